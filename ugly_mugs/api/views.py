"""API views: the reporter pages' checks and services, speaking JSON.

A report is read and checked by ``reports.intake`` from the field declaration, without a
form; the consent change uses the reporter pages' ConsentForm. Requests must be
``application/json``; a browser cannot send that cross-site without a CORS preflight, which
this API never approves, so no CSRF token is needed.
"""

from __future__ import annotations

import functools

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from ugly_mugs.api.openapi import document
from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.reporting import forms, lookup
from ugly_mugs.reports import fields, intake, receipts, statuses
from ugly_mugs.reports import filing as service
from ugly_mugs.web import database, i18n, localtime, throttling
from ugly_mugs.web.access import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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


def _configured() -> dict[str, list[str]]:
    cfg = current_app.config
    return {
        fields.AREAS: [a.code for a in cfg["AREAS"]],
        fields.CATEGORIES: [c.code for c in cfg["CATEGORIES"]],
    }


def _status_body(report) -> dict:
    state = receipts.status_of(database.session(), report)
    return {
        "reference": state.reference,
        "status": state.status,
        "status_text": statuses.reporter_text(state.status, state.police_received),
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
    values, errors = intake.json_values(body)
    if language is None:
        errors["language"] = ["Use one of: " + ", ".join(lang.url_code for lang in i18n.LANGUAGES) + "."]
    if errors:
        return _problem(422, "Some fields are not right.", errors)
    configured = _configured()
    answers, errors = intake.validate(values, configured, today=localtime.today())
    if errors:
        return _problem(422, "Some fields are not right.", errors)
    session = database.session()
    # Per client and overall, shared by every host (issue 19); Retry-After is set when refused.
    # Counted in the filing's own transaction when the database keeps the limits.
    if throttling.filing_refused() is not None:
        session.commit()
        return _problem(429, "Too many reports have been sent from here just now. Send it again later.")
    try:
        filed = service.file_report(
            session,
            intake.new_report(answers, language=language.locale),
            set(configured[fields.CATEGORIES]),
        )
        session.commit()
    except service.ReportError as exc:
        session.rollback()
        return _problem(422, str(exc))
    except database.UNAVAILABLE:
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


@functools.cache
def _consent_keys() -> frozenset[str]:
    return frozenset(forms.ConsentForm()._fields)


def _consent_formdata(body: dict) -> tuple[MultiDict, dict]:
    """The body as ConsentForm data, with a message for each unknown key or value that is not text."""
    known = _consent_keys()
    errors: dict[str, list[str]] = {}
    data = MultiDict()
    for key, value in body.items():
        if key not in known:
            errors[str(key)] = [intake.NOT_KNOWN]
        elif isinstance(value, str):
            data.add(key, value)
        elif value is not None:
            errors[key] = [intake.NOT_TEXT]
    return data, errors


@bp.post("/receipt/consent")
@public
def receipt_consent():
    body, problem = _json_object()
    if problem:
        return problem
    data, errors = _consent_formdata(body)
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
    except database.UNAVAILABLE:
        session.rollback()
        return _problem(503, "The change could not be saved just now. Try again in a few minutes.")
    return jsonify(_status_body(report))
