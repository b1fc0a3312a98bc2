"""Friendly error pages (HTML for people, JSON for the API) that never show a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from ugly_mugs import pdf
from ugly_mugs.web import database

# How long to suggest waiting (Retry-After, seconds) when the database does not answer.
RETRY_UNAVAILABLE = 60

MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("You cannot open this page"), _l("This page is not available to you.")),
    404: (_l("Page not found"), _l("Check the address, or start again from the home page.")),
    405: (
        _l("That did not work"),
        _l("This page cannot be used that way. Start again from the home page."),
    ),
    413: (
        _l("That was too much to send at once"),
        _l("Your message was too large. Please make it shorter, or send the rest later with your receipt code."),
    ),
    429: (_l("Too many tries"), _l("Please wait a few minutes, then try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing has been shared. Please try again in a few minutes."),
    ),
    503: (_l("The service is busy"), _l("Please try again in a few minutes.")),
}


def render_error(code: int, description: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.path.startswith("/api/"):
        # The API speaks English: partner apps show their own words.
        return jsonify({"error": {"status": code, "title": str(title), "message": description or str(text)}}), code
    return render_template("error.html", code=code, title=title, text=description or text), code


def unavailable(response):
    """``response`` (a page or a (page, status) pair) as a 503 with Retry-After, after the
    request's session is rolled back and the fault logged (the endpoint only, never the input)."""
    database.rollback()
    current_app.logger.error("the database was not available on %s", request.endpoint)
    made = make_response(response)
    made.status_code = 503
    made.headers["Retry-After"] = str(RETRY_UNAVAILABLE)
    return made


def init_app(app: Flask) -> None:
    # The database is unreachable or refused the work (read-only, a failover), or a key the work
    # needs does not exist yet: a page that says so, never a 500. Reporter pages answer with their
    # own form shown back filled in (their blueprints' handlers come first).
    for fault in database.UNAVAILABLE:
        app.register_error_handler(fault, lambda _exc: unavailable(render_error(503)))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(pdf.FontMissing)
    def _no_font(exc: pdf.FontMissing):
        # An installation fault, not the person's: the operator's log names the package to install.
        app.logger.error("a PDF could not be made on %s: %s", request.endpoint, exc)
        return render_error(503, "PDF files cannot be made on this installation just now. Please tell an admin.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # The traceback goes to the error log; it names the route, never the client or the content.
        app.logger.exception("unhandled error on %s", request.endpoint)
        return render_error(InternalServerError.code)
