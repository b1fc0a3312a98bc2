"""Coordinator pages. Report content is shown only in the answer to a POST that names a reason,
so every opening is audited and no page with content is reachable by a plain link."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from ugly_mugs import consent
from ugly_mugs.consent import staff as consent_staff
from ugly_mugs.coordinator import casework
from ugly_mugs.coordinator.forms import (
    ActionForm,
    DecisionForm,
    NoteForm,
    PassOnForm,
    ReasonForm,
    StaffConsentForm,
    StatusForm,
)
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Account, Alert, Area, PoliceRelease, PoliceUnit, Report, ReportCategory, StaffConsent
from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.police import release
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def _report(reference: str) -> Report:
    report = database.session().scalar(select(Report).where(Report.reference == reference))
    if report is None:
        abort(404)
    return report


FILTER_LABELS = {
    "reporter_type": {
        "self": "The person it happened to",
        "outreach": "An outreach worker",
        "third_party": "Someone else",
    },
    "consent_level": {
        consent.ALERT_ONLY: "Alert only",
        consent.ANONYMOUS_INTELLIGENCE: "Anonymous intelligence",
        consent.FULL_REPORT: "Full report",
    },
}


def _date_arg(name: str, problems: list[str], label: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{label}: write the date as YYYY-MM-DD, for example 2026-11-21.")
        return None


@bp.get("/reports")
@roles("coordinator")
def reports():
    """The triage inbox: new and open reports by default, metadata only, filtered and paged by keyset."""
    db = database.session()
    args = request.args
    problems: list[str] = []
    areas = list(db.scalars(select(Area).order_by(Area.id)))
    area_by_code = {a.code: a for a in areas}
    categories = {c.code: c.label for c in current_app.config["CATEGORIES"]}
    status = args.get("status", casework.OPEN)
    if status not in (casework.OPEN, casework.ALL, *casework.STATUSES):
        problems.append("Choose a status from the list.")
        status = casework.OPEN
    area_code = args.get("area", "")
    if area_code and area_code not in area_by_code:
        problems.append("Choose an area from the list.")
        area_code = ""
    category = args.get("category", "")
    if category and category not in categories:
        problems.append("Choose a kind of incident from the list.")
        category = ""
    reporter_type = args.get("reporter_type", "")
    if reporter_type and reporter_type not in FILTER_LABELS["reporter_type"]:
        problems.append("Choose who filed from the list.")
        reporter_type = ""
    consent_level = args.get("consent_level", "")
    if consent_level and consent_level not in FILTER_LABELS["consent_level"]:
        problems.append("Choose a consent level from the list.")
        consent_level = ""
    received_from = _date_arg("from", problems, "Received from")
    received_to = _date_arg("to", problems, "Received to")
    filters = casework.InboxFilter(
        status=status,
        area_id=area_by_code[area_code].id if area_code else None,
        category=category or None,
        reporter_type=reporter_type or None,
        consent_level=consent_level or None,
        received_from=received_from,
        received_to=received_to,
    )
    page = casework.inbox(db, filters, casework.Cursor.decode(args.get("after")))
    chosen = {
        "status": status,
        "area": area_code,
        "category": category,
        "reporter_type": reporter_type,
        "consent_level": consent_level,
        "from": received_from.isoformat() if received_from else "",
        "to": received_to.isoformat() if received_to else "",
    }
    return render_template(
        "coordinator/reports.html",
        page=page,
        rows=page.rows,
        chosen=chosen,
        first_page=bool(args.get("after")),
        next_args={**{k: v for k, v in chosen.items() if v}, "after": page.next_cursor.encode()}
        if page.next_cursor
        else None,
        first_args={k: v for k, v in chosen.items() if v},
        problems=problems,
        statuses=casework.STATUSES,
        areas=areas,
        area_names={a.id: a.name for a in areas},
        category_labels=categories,
        labels=FILTER_LABELS,
    ), (400 if problems else 200)


def _detail(report: Report, pair=None, opened=None, status: int = 200, **forms):
    """The report page; ``pair`` is the scheme key the caller already opened, to read notes with."""
    db = database.session()
    releases = db.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)).all()
    outcomes = release.outcomes_for(db, [r.id for r in releases])
    pending = consent_staff.pending(db, report.id)
    units = {u.id: u.name for u in db.scalars(select(PoliceUnit))}
    notes = {r.id: release.note_for(r, pair, "scheme") for r in releases} if pair else {}
    references = {r.id: release.crime_reference_for(r, pair, "scheme") for r in releases} if pair else {}
    member = groups.membership(db, keystore.scheme_key(db).id, current_account().id)
    case_notes = casework.notes(db, report, pair) if pair and opened is not None else None
    authors = {a.id: a.username for a in db.scalars(select(Account))} if case_notes else {}
    return (
        render_template(
            "coordinator/report.html",
            report=report,
            area=db.get(Area, report.area_id),
            categories=db.scalars(select(ReportCategory.code).where(ReportCategory.report_id == report.id)).all(),
            opened=opened,
            releases=releases,
            outcomes=outcomes,
            outcome_labels=OUTCOME_LABELS,
            units=units,
            notes=notes,
            references=references,
            pending=pending,
            can_pass=release.can_pass_on(report) and not releases,
            unit_seals=release.unit_seal_count(db, report),
            holds_key=member is not None and member.sealed is not None,
            me=current_account(),
            reason_form=forms.get("reason_form") or ReasonForm(),
            pass_form=forms.get("pass_form") or PassOnForm(),
            consent_form=forms.get("consent_form") or StaffConsentForm(data={"level": report.consent_level}),
            decision_form=DecisionForm(),
            consent_words=CONSENT_WORDS,
            case_notes=case_notes,
            note_count=casework.note_count(db, report),
            authors=authors,
            alerts=db.scalars(select(Alert).where(Alert.report_id == report.id).order_by(Alert.id)).all(),
            status_form=forms.get("status_form") or StatusForm(data={"status": report.status}),
            note_form=forms.get("note_form") or NoteForm(),
            action_form=ActionForm(),
            settable=casework.SETTABLE_STATUSES,
            notice=forms.get("notice"),
        ),
        status,
    )


CONSENT_WORDS = {
    consent.ALERT_ONLY: "Alert only: nothing to police",
    consent.ANONYMOUS_INTELLIGENCE: "Anonymous intelligence: incident and perpetrator, not the reporter",
    consent.FULL_REPORT: "Full report: everything, including how to contact the reporter",
}


@bp.get("/reports/<reference>")
@roles("coordinator")
def report(reference: str):
    notice = "Note added. Open the report to read its notes." if request.args.get("note") == "added" else None
    return _detail(_report(reference), notice=notice)


@bp.post("/reports/<reference>/open")
@roles("coordinator")
def open_report(reference: str):
    report = _report(reference)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail(report, status=400, reason_form=form)
    pair = keyring.scheme_pair()
    if pair is None:
        form.reason.errors = ["You do not hold the scheme key yet. See the Keys page."]
        return _detail(report, status=403, reason_form=form)
    db = database.session()
    opened = casework.read_report(db, report, current_account(), pair, form.reason.data)
    db.commit()
    return _detail(report, pair=pair, opened=opened)


def _report_action(report: Report, form, form_key: str, field: str, act, error_status: int, **after):
    """Validate a report page's form, run ``act(db)`` and commit, or show the page again with the
    service's refusal next to ``field``; ``after`` goes into the redirect back to the report."""
    if not form.validate_on_submit():
        return _detail(report, status=400, **{form_key: form})
    db = database.session()
    try:
        act(db)
    except (release.ReleaseError, casework.CaseworkError, consent.ConsentError) as exc:
        db.rollback()
        getattr(form, field).errors = [str(exc)]
        return _detail(report, status=error_status, **{form_key: form})
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference, **after))


@bp.post("/reports/<reference>/pass")
@roles("coordinator")
def pass_on(reference: str):
    report = _report(reference)
    if not release.can_pass_on(report):
        abort(409)
    form = PassOnForm()

    def act(db):
        release.pass_on(db, report, current_account(), form.note.data or "")

    return _report_action(report, form, "pass_form", "note", act, 409)


@bp.post("/reports/<reference>/consent")
@roles("coordinator")
def record_consent(reference: str):
    report = _report(reference)
    form = StaffConsentForm()

    def act(db):
        consent_staff.record(db, report, current_account(), form.level.data, form.given_by.data)

    return _report_action(report, form, "consent_form", "level", act, 400)


@bp.post("/consent/<int:request_id>")
@roles("coordinator")
def decide_consent(request_id: int):
    db = database.session()
    pending = db.get(StaffConsent, request_id)
    if pending is None:
        abort(404)
    report = db.get(Report, pending.report_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    pair = keyring.scheme_pair()
    if pair is None:
        abort(403)
    try:
        consent_staff.decide(db, pending, current_account(), pair, form.decision.data == "approve")
    except consent.ConsentError:
        db.rollback()
        abort(409)
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))


@bp.post("/reports/<reference>/status")
@roles("coordinator")
def set_status(reference: str):
    report = _report(reference)
    form = StatusForm()

    def act(db):
        casework.set_status(db, report, current_account(), form.status.data)

    return _report_action(report, form, "status_form", "status", act, 409)


@bp.post("/reports/<reference>/notes")
@roles("coordinator")
def add_note(reference: str):
    report = _report(reference)
    form = NoteForm()

    def act(db):
        casework.add_note(db, report, current_account(), form.text.data)

    return _report_action(report, form, "note_form", "text", act, 409, note="added")


# The alert pages share this blueprint; importing them registers their routes.
from ugly_mugs.coordinator import alert_pages  # noqa: E402, F401
