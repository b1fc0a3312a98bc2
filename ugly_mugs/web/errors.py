"""Friendly error pages (HTML for people, problem details for the API) that never show a stack trace.

Every error of every ``/api/`` route — the views' own refusals and whatever Flask or Werkzeug
raises (unknown path, wrong method, body too large, the database not answering, a 500) — is one
RFC 9457 problem object (``problem``), ``application/problem+json``: ``type`` (always
``about:blank``: the status code says what kind of problem it is), ``title`` (the status code's
phrase), ``status``, ``detail`` (what to do, in English: partner apps show their own words), and
``errors`` (field name -> messages) when fields were wrong. 429 and 503 carry Retry-After
(``web.throttling``).
"""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from ugly_mugs import pdf
from ugly_mugs.web import database

# RFC 9457 §3: the media type of a problem object.
PROBLEM_JSON = "application/problem+json"
# English details for API errors that Flask or Werkzeug raise (the views give their own).
API_DETAILS = {
    400: "The request could not be read.",
    403: "This request is not allowed.",
    404: "There is nothing at this address. The API's operations are listed at /api/v1/openapi.json.",
    405: "This address does not take that method. See /api/v1/openapi.json.",
    413: "The body is too large.",
    415: "Send the request body as application/json.",
    429: "Too many requests for now. Wait as long as Retry-After says, then try again.",
    500: "Something went wrong on our side. Nothing was stored; try again later.",
    503: "The service cannot answer just now. Try again after Retry-After seconds.",
}

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


def problem(status: int, detail: str | None = None, errors: dict | None = None, **extra) -> Response:
    """An RFC 9457 problem object as a response: ``{"type": "about:blank", "title", "status",
    "detail"}``, plus ``errors`` (field -> list of messages) when given and any ``extra``
    members (RFC 9457 §3.2 extensions). ``detail`` defaults to ``API_DETAILS``."""
    body: dict = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or API_DETAILS.get(status, API_DETAILS[500] if status >= 500 else API_DETAILS[400]),
    }
    if errors:
        body["errors"] = {str(name): [str(m) for m in messages] for name, messages in errors.items()}
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def is_api() -> bool:
    """Whether this request is one of the API's (its errors are problem objects)."""
    return request.path.startswith("/api/")


def render_error(code: int, description: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if is_api():
        # The API speaks English: partner apps show their own words.
        return problem(code, description)
    if request_ctx.url_adapter is None:
        # No address of this site can be made (Werkzeug refused the Host header, or the
        # X-Forwarded-Host a proxy passed on): the page template's links cannot be built.
        return bare_page(code, str(title), str(description or text))
    return render_template("error.html", code=code, title=title, text=description or text), code


def bare_page(code: int, title: str, text: str) -> Response:
    """A page that needs no address of the site (no links, no stylesheet): plain HTML, escaped."""
    body = f"<!doctype html><html><head><meta charset=utf-8><title>{escape(title)}</title></head>"
    body += f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    return Response(body, status=code, mimetype="text/html")


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
        response = render_error(exc.code or 500)
        allowed = getattr(exc, "valid_methods", None)
        if exc.code == 405 and allowed and is_api():
            # RFC 9110 §15.5.6: a 405 names the methods the address takes.
            response.headers["Allow"] = ", ".join(allowed)
        return response

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
