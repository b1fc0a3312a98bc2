"""Coordinator pages. Report content is shown only in the answer to a POST that names a reason,
so every opening is audited and no page with content is reachable by a plain link."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from ugly_mugs import consent
from ugly_mugs.consent import messages as consent_messages
from ugly_mugs.consent import staff as consent_staff
from ugly_mugs.coordinator import alert_pages, casework
from ugly_mugs.coordinator.forms import (
    ActionForm,
    DecisionForm,
    ErasureForm,
    MessageForm,
    NoteForm,
    PassOnForm,
    ReasonForm,
    StaffConsentForm,
    StatusForm,
)
from ugly_mugs.coordinator.pages import bp, category_labels, report_or_404, report_response
from ugly_mugs.models import Report
from ugly_mugs.police import release
from ugly_mugs.reports import erasure, messages, reading, reporter_types, sections, statuses
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.images import photo_response

# The alert pages share the blueprint; the app registers it from here, with their routes.
__all__ = ["alert_pages", "bp"]


@bp.get("/reports")
@roles("coordinator")
def reports():
    """The triage inbox: new and open reports by default, metadata only, filtered and paged by keyset."""
    view = casework.inbox_page(database.session(), request.args, category_labels())
    chosen = {k: v for k, v in view.chosen.items() if v}
    cursor = view.page.next_cursor
    return render_template(
        "coordinator/reports.html",
        page=view.page,
        rows=view.page.rows,
        chosen=view.chosen,
        first_page=bool(request.args.get("after")),
        next_args={**chosen, "after": cursor.encode()} if cursor else None,
        first_args=chosen,
        problems=view.problems,
        show_labels=casework.SHOW_LABELS,
        status_labels=statuses.LABELS,
        areas=view.areas,
        area_names=view.area_names,
        category_labels=category_labels(),
        reporter_labels=reporter_types.LABELS,
        consent_labels=consent.LABELS,
    ), (400 if view.problems else 200)


@bp.get("/reports/<reference>")
@roles("coordinator")
def report(reference: str):
    notice = None
    if request.args.get("note") == "added":
        notice = "Note added. Open the report to read its notes."
    elif request.args.get("message") == "sent":
        notice = "Message stored. She sees it the next time she enters her receipt code."
    elif request.args.get("message") == "passed":
        notice = "The message was passed to the police unit."
    return report_response(report_or_404(reference), notice=notice)


def _reason_and_key(report: Report):
    """``(reason, scheme key pair, None)`` for a read of ``report`` with its stated reason, or
    ``(None, None, page)``: the report page again, 400 without a valid reason and 403 for a
    coordinator who does not hold the scheme key yet."""
    form = ReasonForm()
    if not form.validate_on_submit():
        return None, None, report_response(report, status=400, reason_form=form)
    pair = keyring.scheme_pair()
    if pair is None:
        form.reason.errors = ["You do not hold the scheme key yet. See the Keys page."]
        return None, None, report_response(report, status=403, reason_form=form)
    return form.reason.data, pair, None


@bp.post("/reports/<reference>/open")
@roles("coordinator")
def open_report(reference: str):
    report = report_or_404(reference)
    reason, pair, refused = _reason_and_key(report)
    if refused is not None:
        return refused
    db = database.session()
    opened = casework.read_report(db, report, current_account(), pair, reason)
    conversation = casework.read_messages(db, report, current_account(), pair, reason)
    passed = consent_messages.passed_numbers(db, report)
    db.commit()
    return report_response(report, pair=pair, opened=opened, conversation=conversation, passed_messages=passed)


@bp.post("/reports/<reference>/photos/<name>/<int:version>")
@roles("coordinator")
def photo(reference: str, name: str, version: int):
    """One photo of the report, after the same stated reason as opening it (audited)."""
    report = report_or_404(reference)
    if name not in sections.PHOTO_NAMES:
        abort(404)
    reason, pair, refused = _reason_and_key(report)
    if refused is not None:
        return refused
    db = database.session()
    data = casework.read_photo(db, report, current_account(), pair, reason, reading.PhotoRef(name, version))
    if data is None:
        abort(404)
    db.commit()
    return photo_response(data, f"{report.reference}-{name}-{version}")


def _report_action(report: Report, form, form_key: str, field: str, act, error_status: int, **after):
    """Validate a report page's form, run ``act(db)`` and commit, or show the page again with the
    service's refusal next to ``field``; ``after`` goes into the redirect back to the report."""
    if not form.validate_on_submit():
        return report_response(report, status=400, **{form_key: form})
    db = database.session()
    try:
        act(db)
    except release.NoteBlocked as exc:
        db.commit()  # only the audit entry of the guard's reading of the report
        getattr(form, field).errors = [str(exc)]
        return report_response(report, status=422, **{form_key: form})
    except (
        release.ReleaseError,
        casework.CaseworkError,
        consent.ConsentError,
        erasure.ErasureError,
        messages.MessageError,
    ) as exc:
        db.rollback()
        getattr(form, field).errors = [str(exc)]
        return report_response(report, status=error_status, **{form_key: form})
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference, **after))


@bp.post("/reports/<reference>/pass")
@roles("coordinator")
def pass_on(reference: str):
    report = report_or_404(reference)
    form = PassOnForm()

    def act(db):
        release.pass_on(
            db, report, current_account(), form.note.data or "", keyring.scheme_pair(), alert_pages.region()
        )

    return _report_action(report, form, "pass_form", "note", act, 409)


@bp.post("/reports/<reference>/consent")
@roles("coordinator")
def record_consent(reference: str):
    report = report_or_404(reference)
    form = StaffConsentForm()

    def act(db):
        consent_staff.record(db, report, current_account(), form.level.data, form.given_by.data)

    return _report_action(report, form, "consent_form", "level", act, 400)


@bp.post("/consent/<int:request_id>")
@roles("coordinator")
def decide_consent(request_id: int):
    db = database.session()
    found = casework.consent_request(db, request_id)
    if found is None:
        abort(404)
    pending, report = found
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    pair = keyring.scheme_pair()
    if pair is None:
        abort(403)
    try:
        consent_staff.decide(db, pending, current_account(), pair, form.decision.data == "approve")
    except consent.ConsentError as exc:
        db.rollback()
        return report_response(report, status=409, notice=str(exc))
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))


@bp.post("/reports/<reference>/status")
@roles("coordinator")
def set_status(reference: str):
    report = report_or_404(reference)
    form = StatusForm()

    def act(db):
        casework.set_status(db, report, current_account(), form.status.data)

    return _report_action(report, form, "status_form", "status", act, 409)


@bp.post("/reports/<reference>/notes")
@roles("coordinator")
def add_note(reference: str):
    report = report_or_404(reference)
    form = NoteForm()

    def act(db):
        casework.add_note(db, report, current_account(), form.text.data)

    return _report_action(report, form, "note_form", "text", act, 409, note="added")


@bp.post("/reports/<reference>/messages")
@roles("coordinator")
def send_message(reference: str):
    """A message to the reporter, which she reads with her receipt code (``reports.messages``)."""
    report = report_or_404(reference)
    form = MessageForm()

    def act(db):
        messages.send_to_reporter(db, report, current_account(), form.text.data)

    return _report_action(report, form, "message_form", "text", act, 409, message="sent")


@bp.post("/reports/<reference>/messages/<int:number>/pass")
@roles("coordinator")
def pass_message_on(reference: str, number: int):
    """One message to the report's police unit, at "full report" only (``consent.messages``)."""
    report = report_or_404(reference)
    if not ActionForm().validate_on_submit():
        return report_response(report, status=400, notice="The form had expired. Open the report and try again.")
    db = database.session()
    try:
        consent_messages.pass_on(db, report, current_account(), keyring.scheme_pair(), number)
    except consent.ConsentError as exc:
        db.rollback()
        return report_response(report, status=409, notice=str(exc))
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference, message="passed"))


@bp.post("/reports/<reference>/erase")
@roles("coordinator")
def request_erasure(reference: str):
    """Ask for the report to be deleted; a second coordinator decides (``decide_erasure``)."""
    report = report_or_404(reference)
    form = ErasureForm()

    def act(db):
        erasure.request(db, report, current_account(), form.reason.data)

    return _report_action(report, form, "erasure_form", "reason", act, 409)


@bp.post("/erasure/<int:request_id>")
@roles("coordinator")
def decide_erasure(request_id: int):
    db = database.session()
    found = casework.erasure_request(db, request_id)
    if found is None:
        abort(404)
    pending, report = found
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        erasure.decide(db, pending, current_account(), form.decision.data == "approve")
    except erasure.ErasureError as exc:
        db.rollback()
        return report_response(report, status=409, notice=str(exc))
    except database.UNAVAILABLE:
        db.rollback()
        abort(503)
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))
