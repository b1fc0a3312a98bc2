"""API views: the same forms and services as the reporter pages, speaking JSON.

Requests must be ``application/json``; a browser cannot send that cross-site without a
CORS preflight, which this API never approves, so no CSRF token is needed.
"""

from __future__ import annotations

import functools

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict

from ugly_mugs.api.openapi import document
from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.keys import keystore
from ugly_mugs.reporting import forms, lookup
from ugly_mugs.reports import filing as service
from ugly_mugs.reports import receipts, statuses
from ugly_mugs.web import database, i18n
from ugly_mugs.web.access import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LIST_FIELDS = {"phone_numbers", "emails", "usernames"}
STATUS_TEXT = {
    statuses.RECEIVED: "We have your report. A caseworker will look at it soon.",
    statuses.REVIEWED: "A caseworker has looked at your report.",
    statuses.ALERT_PUBLISHED: "A warning has been sent to other workers and projects.",
    statuses.PASSED_TO_POLICE: "Your report has been passed to the police, as you agreed.",
}


def _problem(status: int, message: str, errors: dict | None = None):
    body: dict = {"error": {"status": status, "message": message}}
    if errors:
        body["error"]["fields"] = errors
    return jsonify(body), status


def _json_object():
    if not request.is_json:
        return None, _problem(415, "Send the request body as application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, _problem(400, "The body must be a JSON object.")
    return body, None


@functools.cache
def _field_names(form_class) -> frozenset[str]:
    return frozenset(form_class()._fields)


def _formdata(body: dict, form_class) -> tuple[MultiDict | None, dict]:
    """Turn a JSON object into form data, with a message for each value of the wrong type."""
    known = _field_names(form_class)
    errors: dict[str, list[str]] = {}
    data = MultiDict()
    for key, value in body.items():
        if key not in known or key == "form_token":
            errors[str(key)] = ["This field is not known."]
        elif value is None:
            continue
        elif isinstance(value, str) and key != "categories":
            data.add(key, value)
        elif isinstance(value, list) and (key == "categories" or key in LIST_FIELDS):
            if not all(isinstance(item, str) for item in value):
                errors[key] = ["Every item must be text."]
            elif key in LIST_FIELDS:
                data.add(key, "\n".join(value))
            else:
                for item in value:
                    data.add(key, item)
        else:
            errors[key] = ["This must be text." if key != "categories" else "This must be a list of codes."]
    return (None if errors else data), errors


def _report_form(data) -> forms.ReportForm:
    cfg = current_app.config
    return forms.ReportForm(data, areas=cfg["AREAS"], categories=cfg["CATEGORIES"])


def _status_body(report) -> dict:
    state = receipts.status_of(database.session(), report)
    return {
        "reference": state.reference,
        "status": state.status,
        "status_text": "The police have received your report."
        if state.police_received
        else STATUS_TEXT.get(state.status, STATUS_TEXT[statuses.RECEIVED]),
        "consent_level": state.consent_level,
        "consent_history": [{"consent_level": level, "at": at.isoformat()} for level, at in state.consent_history],
    }


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document(current_app.config))


@bp.post("/reports")
@public
def submit_report():
    body, problem = _json_object()
    if problem:
        return problem
    body = dict(body)
    language = i18n.by_url_code(body.pop("language", i18n.DEFAULT))
    data, errors = _formdata(body, forms.ReportForm)
    if language is None:
        errors["language"] = ["Use one of: " + ", ".join(lang.url_code for lang in i18n.LANGUAGES) + "."]
    if errors:
        return _problem(422, "Some fields are not right.", errors)
    form = _report_form(data)
    if not form.validate():
        return _problem(422, "Some fields are not right.", form.errors)
    session = database.session()
    try:
        filed = service.file_report(
            session,
            forms.to_new_report(form, language=language.locale),
            {c.code for c in current_app.config["CATEGORIES"]},
        )
        session.commit()
    except service.ReportError as exc:
        session.rollback()
        return _problem(422, str(exc))
    except (SQLAlchemyError, keystore.KeyUnavailable):
        session.rollback()
        current_app.logger.error("a report sent through the API could not be saved")
        return _problem(
            503,
            "The report could not be saved just now. Send it again in a few minutes.",
        )
    return jsonify(
        {
            "reference": filed.reference,
            "receipt_code": filed.receipt_code,
            "status": statuses.RECEIVED,
        }
    ), 201


def _open(body: dict):
    code = body.get("receipt_code")
    if not isinstance(code, str) or not code.strip():
        return None, _problem(
            422,
            "Some fields are not right.",
            {"receipt_code": ["Give the receipt code as text."]},
        )
    found = lookup.open_report(code[:64])
    if isinstance(found, lookup.Refusal):
        return None, _problem(found.status, found.message)
    return found, None


@bp.post("/receipt/status")
@public
def receipt_status():
    body, problem = _json_object()
    if problem:
        return problem
    report, problem = _open(body)
    if problem:
        return problem
    return jsonify(_status_body(report))


@bp.post("/receipt/consent")
@public
def receipt_consent():
    body, problem = _json_object()
    if problem:
        return problem
    data, errors = _formdata(body, forms.ConsentForm)
    if errors:
        return _problem(422, "Some fields are not right.", errors)
    form = forms.ConsentForm(data)
    if not form.validate():
        return _problem(422, "Some fields are not right.", form.errors)
    report, problem = _open(body)
    if problem:
        return problem
    session = database.session()
    try:
        consent_reporter.change(session, report, form.receipt_code.data, form.consent_level.data)
        session.commit()
    except (SQLAlchemyError, keystore.KeyUnavailable):
        session.rollback()
        return _problem(503, "The change could not be saved just now. Try again in a few minutes.")
    return jsonify(_status_body(report))
