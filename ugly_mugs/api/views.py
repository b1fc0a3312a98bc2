"""API views: the reporter pages' checks and services, speaking JSON.

A report is read and checked by ``reports.intake`` from the field declaration, without a
form; the receipt actions use the reporter pages' forms. Requests must be
``application/json``; a browser cannot send that cross-site without a CORS preflight, which
this API never approves, so no CSRF token is needed.

Every error is an RFC 9457 problem object (``web.errors.problem``). Filing takes an
``Idempotency-Key`` (``reports.idempotency``) and counts towards the same filing limits as the
reporter form (``web.throttling.filing_refused``): a retried filing is answered from its first
answer and counts nothing.
"""

from __future__ import annotations

import binascii
import functools

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from ugly_mugs.api.openapi import document
from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.reporting import forms, lookup
from ugly_mugs.reports import erasure, fields, idempotency, intake, photos, receipts, statuses
from ugly_mugs.reports import filing as service
from ugly_mugs.web import boundary, database, filing, i18n, localtime, throttling
from ugly_mugs.web.access import public
from ugly_mugs.web.boundary import accepts_photos
from ugly_mugs.web.errors import problem

bp = Blueprint("api", __name__, url_prefix="/api/v1")

FIELDS_WRONG = "Some fields are not right; see errors."
IDEMPOTENCY_HEADER = "Idempotency-Key"
BAD_KEY = (
    f"The {IDEMPOTENCY_HEADER} header must be {idempotency.KEY_MIN} to {idempotency.KEY_MAX} visible ASCII "
    "characters (no spaces), for example a random UUID, new for each report."
)
KEY_OTHER_BODY = (
    f"This {IDEMPOTENCY_HEADER} was used with another request body. Use a new key for a new report, "
    "or send exactly the same body again."
)
KEY_IN_FLIGHT = f"A request with this {IDEMPOTENCY_HEADER} is still being worked on. Try again in a moment."
# Seconds to wait before retrying a key whose first request is still being worked on.
RETRY_IN_FLIGHT = 1


def _json_object():
    body, refused = boundary.json_object()
    return body, (problem(*refused) if refused else None)


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


def _filed(answer) -> tuple:
    return jsonify(
        {"reference": answer.reference, "receipt_code": answer.receipt_code, "status": statuses.RECEIVED}
    ), 201


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document(current_app.config))


def _attempt(body: dict):
    """This request's idempotency attempt (None without the header), or a 400 problem."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None, None
    if not idempotency.valid_key(key):
        return None, problem(400, BAD_KEY)
    secret = current_app.config["SECRET_KEY"].encode()
    return idempotency.Attempt.of(secret, idempotency.API, key, idempotency.canonical_json(body)), None


def _photos(listed) -> tuple[list[photos.Photo], list[str]]:
    """The cleaned photos of a body's ``photos`` list (``reports.photos``), or the messages why not."""
    if listed is None:
        return [], []
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        return [], ["A list of objects, each with an image in base64."]
    uploads = []
    for item in listed:
        image, only_him = item.get("image"), item.get("shows_only_him", False)
        if set(item) - {"image", "shows_only_him"} or not isinstance(image, str) or not isinstance(only_him, bool):
            return [], [
                "Each photo is an object with image (base64 text) and, if you like, shows_only_him (true or false)."
            ]
        try:
            data = binascii.a2b_base64(image.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return [], ["A photo's image is not valid base64."]
        uploads.append((data, not only_him))
    try:
        return photos.clean_all(uploads, photos.Limits.from_config(current_app.config)), []
    except photos.PhotoRefused as refused:
        return [], [str(refused.message)]


def _checked_report(body: dict):
    """The report to file from ``body``, or a 422 problem."""
    body = dict(body)
    cleaned, photo_errors = _photos(body.pop("photos", None))
    language = i18n.by_url_code(body.pop("language", i18n.DEFAULT))
    values, errors = intake.json_values(body)
    if language is None:
        errors["language"] = ["Use one of: " + ", ".join(lang.url_code for lang in i18n.LANGUAGES) + "."]
    if photo_errors:
        errors["photos"] = photo_errors
    if errors:
        return None, problem(422, FIELDS_WRONG, errors)
    answers, errors = intake.validate(values, _configured(), today=localtime.today())
    if errors:
        return None, problem(422, FIELDS_WRONG, errors)
    new = intake.new_report(answers, language=language.locale)
    new.photos = cleaned
    return new, None


def _replayed(attempt):
    """The first answer for ``attempt``, a 422 problem for another body, or None if new."""
    try:
        answer = idempotency.replay(database.session(), attempt)
    except idempotency.Mismatch:
        return problem(422, KEY_OTHER_BODY)
    return _filed(answer) if answer else None


def _file(new, attempt):
    session = database.session()
    if attempt is not None:
        replayed = _replayed(attempt)
        if replayed is not None:
            return replayed
    # A retry answered above counts nothing; a new report counts towards the limits: a client
    # already past them is refused before anything is encrypted, and the filing is counted once
    # it is ready to be stored, so the count's lock is held only while it is stored.
    refused = throttling.filing_refused_already()
    if refused is not None:
        session.commit()
        return _too_many(refused)
    try:
        filed = filing.file_within_limits(
            session,
            new,
            _configured()[fields.CATEGORIES],
            attempt,
            lambda filed: idempotency.Answer(filed.reference, filed.receipt_code),
        )
        session.commit()
        if isinstance(filed, int):
            return _too_many(filed)
    except service.ReportError as exc:
        session.rollback()
        return problem(422, str(exc))
    except idempotency.Conflict:
        # Another process filed this key first: its report stands, this one was rolled back.
        session.rollback()
        return _replayed(attempt) or _in_flight()
    except database.UNAVAILABLE:
        session.rollback()
        current_app.logger.error("a report sent through the API could not be saved")
        return problem(503, "The report could not be saved just now. Send it again in a few minutes.")
    return _filed(filed)


def _too_many(seconds: int):
    return problem(429, f"Too many reports for now. Send it again in {seconds} seconds; nothing was stored.")


@bp.post("/reports")
@accepts_photos
@public
def submit_report():
    body, refused = _json_object()
    if refused:
        return refused
    attempt, refused = _attempt(body)
    if refused:
        return refused
    new, refused = _checked_report(body)
    if refused:
        return refused
    if attempt is None:
        return _file(new, None)
    try:
        with idempotency.holding(database.session(), attempt):
            return _file(new, attempt)
    except idempotency.InFlight:
        return _in_flight()


def _in_flight():
    response = problem(409, KEY_IN_FLIGHT)
    # Not required by the draft; it tells a client how soon its retry is worth sending.
    response.headers["Retry-After"] = str(RETRY_IN_FLIGHT)
    return response


def _open(form: forms.ReceiptForm):
    """The report of the form's receipt code, read as the receipt page reads it (cleaned by the
    form: control characters dropped, at most 64 characters), or a problem to answer."""
    found = lookup.open_report(form.receipt_code.data)
    if isinstance(found, lookup.Refusal):
        return None, problem(found.status, found.message)
    return found, None


def _checked(form_class):
    """The JSON body as a validated ``form_class`` (a ReceiptForm), or a 4xx problem: unknown
    keys, values that are not text and the form's own checks are refused alike."""
    body, refused = _json_object()
    if refused:
        return None, refused
    data, errors = _formdata(body, form_class)
    if errors:
        return None, problem(422, FIELDS_WRONG, errors)
    form = form_class(data)
    if not form.validate():
        return None, problem(422, FIELDS_WRONG, form.errors)
    return form, None


@bp.post("/receipt/status")
@public
def receipt_status():
    form, refused = _checked(forms.ReceiptForm)
    if refused:
        return refused
    report, refused = _open(form)
    if refused:
        return refused
    return jsonify(_status_body(report))


@functools.cache
def _form_keys(form_class: type) -> frozenset[str]:
    return frozenset(form_class()._fields)


def _formdata(body: dict, form_class: type) -> tuple[MultiDict, dict]:
    """The body as ``form_class``'s data, with a message for each unknown key or value that is not text."""
    known = _form_keys(form_class)
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


def _receipt_action(form_class, action, unavailable: str):
    """Check the body against ``form_class``, open the report by its code (wrong codes throttled
    as on the receipt page), then ``action(session, report, form)`` and commit."""
    form, refused = _checked(form_class)
    if refused:
        return refused
    report, refused = _open(form)
    if refused:
        return refused
    session = database.session()
    try:
        answer = action(session, report, form)
        session.commit()
    except service.ReportError as exc:
        session.rollback()
        return problem(422, str(exc))
    except database.UNAVAILABLE:
        session.rollback()
        current_app.logger.error("a receipt action sent through the API could not be saved")
        return problem(503, unavailable)
    return answer


@bp.post("/receipt/consent")
@public
def receipt_consent():
    def action(session, report, form):
        consent_reporter.change(session, report, form.receipt_code.data, form.consent_level.data)
        return jsonify(_status_body(report))

    return _receipt_action(
        forms.ConsentForm, action, "The change could not be saved just now. Try again in a few minutes."
    )


@bp.post("/receipt/add")
@public
def receipt_add():
    def action(session, report, form):
        receipts.add_information(session, report, form.receipt_code.data, form.additions())
        return jsonify(_status_body(report))

    return _receipt_action(
        forms.AddInformationForm,
        action,
        "What you added could not be saved just now. Send it again in a few minutes.",
    )


@bp.post("/receipt/erase")
@public
def receipt_erase():
    def action(session, report, form):
        reference = report.reference
        erasure.erase(session, report, erasure.BY_REPORTER)
        return jsonify({"reference": reference, "status": statuses.ERASED})

    return _receipt_action(
        forms.EraseForm, action, "The report could not be deleted just now. Try again in a few minutes."
    )
