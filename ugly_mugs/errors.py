"""Friendly error pages (HTML for people, JSON for the API) that never show a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("You cannot open this page", "This page is not available to you."),
    404: ("Page not found", "Check the address, or start again from the home page."),
    405: (
        "That did not work",
        "This page cannot be used that way. Start again from the home page.",
    ),
    413: (
        "That was too much to send at once",
        "Your message was too large. Please make it shorter, or send the rest later with your receipt code.",
    ),
    429: ("Too many tries", "Please wait a few minutes, then try again."),
    500: (
        "Something went wrong on our side",
        "Nothing has been shared. Please try again in a few minutes.",
    ),
    503: ("The service is busy", "Please try again in a few minutes."),
}


def render_error(code: int, description: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "title": title, "message": description or text}}), code
    return render_template("error.html", code=code, title=title, text=description or text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The traceback goes to the error log; it names the route, never the client or the content.
        app.logger.exception("unhandled error on %s", request.endpoint)
        return render_error(InternalServerError.code)
