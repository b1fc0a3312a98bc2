"""Coordinator pages. Report content is shown only in the answer to a POST that names a reason,
so every opening is audited and no page with content is reachable by a plain link."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from ugly_mugs import casework, consent, database, groups, keystore, release
from ugly_mugs.access import current_account, roles
from ugly_mugs.auth.views import unlocked_personal_key
from ugly_mugs.coordinator.forms import DecisionForm, PassOnForm, ReasonForm, StaffConsentForm
from ugly_mugs.models import Area, PoliceRelease, PoliceUnit, Report, ReportCategory, StaffConsent
from ugly_mugs.police.forms import OUTCOME_LABELS

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

PAGE = 50
STATUSES = ("received", "reviewed", "alert_published", "passed_to_police", "erased")


def _scheme_pair():
    db = database.session()
    try:
        return groups.open_group_key(db, current_account().id, unlocked_personal_key(), keystore.scheme_key(db).id)
    except groups.GroupError:
        return None


def _report(reference: str) -> Report:
    report = database.session().scalar(select(Report).where(Report.reference == reference))
    if report is None:
        abort(404)
    return report


@bp.get("/reports")
@roles("coordinator")
def reports():
    db = database.session()
    status = request.args.get("status", "")
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    query = select(Report).order_by(Report.received_at.desc(), Report.reference)
    if status in STATUSES:
        query = query.where(Report.status == status)
    rows = db.scalars(query.offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    ids = [r.id for r in rows[:PAGE]]
    categories: dict[str, list[str]] = {}
    for report_id, code in db.execute(
        select(ReportCategory.report_id, ReportCategory.code).where(ReportCategory.report_id.in_(ids))
    ):
        categories.setdefault(report_id, []).append(code)
    areas = {a.id: a.name for a in db.scalars(select(Area))}
    return render_template(
        "coordinator/reports.html",
        rows=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        status=status,
        statuses=STATUSES,
        categories=categories,
        areas=areas,
    )


def _detail(report: Report, pair=None, opened=None, status: int = 200, **forms):
    """The report page; ``pair`` is the scheme key the caller already opened, to read notes with."""
    db = database.session()
    releases = db.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)).all()
    outcomes = release.outcomes_for(db, [r.id for r in releases])
    pending = release.pending_staff_consent(db, report.id)
    units = {u.id: u.name for u in db.scalars(select(PoliceUnit))}
    notes = {r.id: release.note_for(r, pair, "scheme") for r in releases} if pair else {}
    references = {r.id: release.crime_reference_for(r, pair, "scheme") for r in releases} if pair else {}
    member = groups.membership(db, keystore.scheme_key(db).id, current_account().id)
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
    return _detail(_report(reference))


@bp.post("/reports/<reference>/open")
@roles("coordinator")
def open_report(reference: str):
    report = _report(reference)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail(report, status=400, reason_form=form)
    pair = _scheme_pair()
    if pair is None:
        form.reason.errors = ["You do not hold the scheme key yet. See the Keys page."]
        return _detail(report, status=403, reason_form=form)
    db = database.session()
    opened = casework.read_report(db, report, current_account(), pair, form.reason.data)
    db.commit()
    return _detail(report, pair=pair, opened=opened)


@bp.post("/reports/<reference>/pass")
@roles("coordinator")
def pass_on(reference: str):
    report = _report(reference)
    form = PassOnForm()
    if not release.can_pass_on(report):
        abort(409)
    if not form.validate_on_submit():
        return _detail(report, status=400, pass_form=form)
    db = database.session()
    try:
        release.pass_on(db, report, current_account(), form.note.data or "")
    except release.ReleaseError as exc:
        db.rollback()
        form.note.errors = [str(exc)]
        return _detail(report, status=409, pass_form=form)
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))


@bp.post("/reports/<reference>/consent")
@roles("coordinator")
def record_consent(reference: str):
    report = _report(reference)
    form = StaffConsentForm()
    if not form.validate_on_submit():
        return _detail(report, status=400, consent_form=form)
    db = database.session()
    try:
        release.record_staff_consent(db, report, current_account(), form.level.data, form.given_by.data)
    except release.ReleaseError as exc:
        db.rollback()
        form.level.errors = [str(exc)]
        return _detail(report, status=400, consent_form=form)
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))


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
    pair = _scheme_pair()
    if pair is None:
        abort(403)
    try:
        release.decide_staff_consent(db, pending, current_account(), pair, form.decision.data == "approve")
    except release.ReleaseError:
        db.rollback()
        abort(409)
    db.commit()
    return redirect(url_for("coordinator.report", reference=report.reference))
