"""Coordinator pages for alerts: start a draft from a report, edit and check it, publish (or send for
approval and approve), update and retract. Views are thin: composing, the anonymity check and
publishing live in ``alerts/``; a blocked draft comes back with the offending words marked."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from alerts.authoring import anonymity, compose, publish
from ugly_mugs.coordinator import casework
from ugly_mugs.coordinator.forms import ActionForm, DraftForm, RetractForm, UpdateForm
from ugly_mugs.coordinator.views import _detail, _report, bp
from ugly_mugs.models import Account, Alert, Area, Report
from ugly_mugs.reports.reading import ReadRefused
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles

LIST_STATUSES = {
    "draft": "Drafts",
    "awaiting_approval": "Awaiting approval",
    "published": "Published",
    "retracted": "Retracted",
}


def _alert(reference: str) -> Alert:
    alert = database.session().scalar(select(Alert).where(Alert.reference == reference))
    if alert is None:
        abort(404)
    return alert


def _areas() -> list[Area]:
    return list(database.session().scalars(select(Area).where(Area.active).order_by(Area.id)))


def _region() -> str:
    return current_app.config.get("PHONE_REGION", "GB")


def _approval() -> bool:
    return bool(current_app.config.get("ALERT_APPROVAL"))


def _draft_from(form: DraftForm) -> compose.Draft:
    week = form.incident_week.data
    return compose.Draft(
        title=(form.title.data or "").strip(),
        body=(form.body.data or "").strip(),
        severity=form.severity.data or "",
        areas=list(form.areas.data or []),
        incident_week=compose.week_of(week) if week else None,
        part_of_day=form.part_of_day.data or "",
    )


def _form_for(draft: compose.Draft) -> DraftForm:
    # formdata=None: on a POST that was not this form's (publish, approve), the request's fields
    # must not replace the stored draft's, or an empty checkbox list would clear its areas.
    return DraftForm(
        formdata=None,
        areas=_areas(),
        data={
            "title": draft.title,
            "body": draft.body,
            "severity": draft.severity,
            "areas": draft.areas,
            "incident_week": draft.incident_week,
            "part_of_day": draft.part_of_day,
        },
    )


def _page(alert: Alert, status: int = 200, *, pair=None, form=None, hits=None, checked=False, problem="", **extra):
    db = database.session()
    pair = pair if pair is not None else keyring.scheme_pair()
    draft = None
    if pair is not None and alert.status in ("draft", "awaiting_approval"):
        try:
            if request.method == "GET":
                draft = compose.read_draft(db, alert, pair, current_account())
                db.commit()
            else:
                # A POST already read the report (audited) or wrote this draft itself.
                draft = compose.open_draft(db, alert, pair)
        except compose.DraftError as exc:
            problem = problem or str(exc)
    if form is None and draft is not None:
        form = _form_for(draft)
    shown = form.data if form is not None else {}
    preview = {name: anonymity.segments(shown.get(name) or "", hits or [], name) for name in anonymity.CHECKED_FIELDS}
    report = db.get(Report, alert.report_id) if alert.report_id else None
    people = {a.id: a.username for a in db.scalars(select(Account).where(Account.role == "coordinator"))}
    me = current_account()
    return (
        render_template(
            "coordinator/alert.html",
            alert=alert,
            report=report,
            draft=draft,
            form=form,
            hits=hits or [],
            checked=checked,
            preview=preview,
            problem=problem,
            holds_key=pair is not None,
            approval=_approval(),
            can_approve=publish.can_approve(alert, me),
            messages=publish.messages(db, alert),
            people=people,
            action_form=ActionForm(),
            update_form=extra.get("update_form") or UpdateForm(formdata=None, data={"severity": alert.severity}),
            retract_form=extra.get("retract_form") or RetractForm(formdata=None),
            update_marked=extra.get("update_marked"),
            parts_of_day=compose.PARTS_OF_DAY,
            area_names={a.code: a.name for a in _areas()},
        ),
        status,
    )


@bp.get("/alerts")
@roles("coordinator")
def alerts():
    db = database.session()
    status = request.args.get("status", "")
    query = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc()).limit(200)
    if status in LIST_STATUSES:
        query = query.where(Alert.status == status)
    rows = db.scalars(query).all()
    references = {
        r.id: r.reference
        for r in db.scalars(select(Report).where(Report.id.in_([a.report_id for a in rows if a.report_id])))
    }
    return render_template(
        "coordinator/alerts.html", rows=rows, status=status, statuses=LIST_STATUSES, references=references
    )


@bp.post("/reports/<reference>/alerts")
@roles("coordinator")
def start_alert(reference: str):
    report = _report(reference)
    if not ActionForm().validate_on_submit():
        abort(400)
    pair = keyring.scheme_pair()
    if pair is None:
        return _detail(report, status=403, notice="You need the scheme key to write an alert. See the Keys page.")
    if report.status in ("erased", "closed"):
        return _detail(report, status=409, notice="No alert can be written from a deleted or closed report.")
    db = database.session()
    try:
        opened = casework.read_report(db, report, current_account(), pair, "alert")
    except ReadRefused:
        abort(400)
    if not opened.sections.get("incident") and not opened.sections.get("perpetrator"):
        db.rollback()
        return _detail(report, status=409, notice="The report cannot be opened with your key.")
    area = db.get(Area, report.area_id)
    draft = compose.prefill(
        opened.sections.get("incident", []),
        opened.sections.get("perpetrator", []),
        area_code=area.code if area else "",
        area_name=area.name if area else "",
        incident_week=report.incident_week,
        category_labels={c.code: c.label for c in current_app.config["CATEGORIES"]},
    )
    alert = compose.create(db, report, current_account(), draft)
    db.commit()
    return redirect(url_for("coordinator.alert", reference=alert.reference))


@bp.get("/alerts/<reference>")
@roles("coordinator")
def alert(reference: str):
    return _page(_alert(reference))


@bp.post("/alerts/<reference>/draft")
@roles("coordinator")
def save_alert(reference: str):
    """Save the edited draft and run the anonymity check on it, marking what it finds."""
    alert = _alert(reference)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to edit an alert. See the Keys page.")
    form = DraftForm(areas=_areas())
    if alert.status != "draft":
        return _page(alert, 409, pair=pair, problem="Only a draft can be edited.")
    if not form.validate_on_submit():
        return _page(alert, 400, pair=pair, form=form, problem="The draft was not saved: correct the marked fields.")
    db = database.session()
    draft = _draft_from(form)
    problems = compose.validate(draft, {a.code for a in _areas()})
    if problems:
        for name, text in problems.items():
            getattr(form, name).errors = [*getattr(form, name).errors, text]
        return _page(alert, 400, pair=pair, form=form, problem="The draft was not saved: correct the marked fields.")
    compose.save(db, alert, current_account(), draft)
    try:
        hits = publish.check(db, alert, draft.text(), pair, current_account(), _region())
    except publish.PublishError as exc:
        db.commit()
        return _page(alert, 409, pair=pair, form=form, problem=f"Saved, but not checked: {exc}")
    db.commit()
    return _page(alert, 200, pair=pair, form=form, hits=hits, checked=True)


def _blocked(alert: Alert, pair, exc: publish.Blocked, status: int = 422):
    draft = compose.open_draft(database.session(), alert, pair)
    return _page(alert, status, pair=pair, form=_form_for(draft), hits=exc.hits, checked=True, problem=str(exc))


def _act(alert: Alert, act, *, pair=None, blocked=None, **extra):
    """Run ``act(db)``, commit and go back to the alert; or show the page again with why not.

    ``extra`` (the form being sent) goes back into the page; ``blocked`` shows what the
    anonymity check found, by default the check's message alone.
    """
    db = database.session()
    try:
        act(db)
    except publish.Blocked as exc:
        db.commit()  # keeps the audit entry of the check's reading
        if blocked is not None:
            return blocked(exc)
        return _page(alert, 422, pair=pair, problem=str(exc), **extra)
    except publish.PublishError as exc:
        db.rollback()
        return _page(alert, 409, pair=pair, problem=str(exc), **extra)
    db.commit()
    return redirect(url_for("coordinator.alert", reference=alert.reference))


def _expired(alert: Alert):
    return _page(alert, 400, problem="The form expired. Try again.")


@bp.post("/alerts/<reference>/publish")
@roles("coordinator")
def publish_alert(reference: str):
    """Publish the draft, or with approval required send it for a second coordinator's approval."""
    alert = _alert(reference)
    if not ActionForm().validate_on_submit():
        return _expired(alert)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to publish an alert. See the Keys page.")

    def act(db):
        if _approval():
            publish.submit(db, alert, current_account(), pair, _region())
        else:
            publish.publish(db, alert, current_account(), pair, region=_region())

    return _act(alert, act, pair=pair, blocked=lambda exc: _blocked(alert, pair, exc))


@bp.post("/alerts/<reference>/approve")
@roles("coordinator")
def approve_alert(reference: str):
    alert = _alert(reference)
    if not ActionForm().validate_on_submit():
        return _expired(alert)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to approve an alert. See the Keys page.")

    def act(db):
        publish.publish(db, alert, current_account(), pair, region=_region(), approval_required=True)

    return _act(alert, act, pair=pair, blocked=lambda exc: _blocked(alert, pair, exc))


@bp.post("/alerts/<reference>/return")
@roles("coordinator")
def return_alert(reference: str):
    alert = _alert(reference)
    if not ActionForm().validate_on_submit():
        return _expired(alert)
    return _act(alert, lambda db: publish.return_to_draft(db, alert, current_account()))


@bp.post("/alerts/<reference>/update")
@roles("coordinator")
def update_alert(reference: str):
    alert = _alert(reference)
    form = UpdateForm()
    if not form.validate_on_submit():
        return _page(alert, 400, update_form=form, problem="The update was not sent: correct the marked fields.")
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, update_form=form, problem="You need the scheme key to send an update.")
    text = {"title": form.title.data, "body": form.body.data}

    def act(db):
        publish.update(
            db, alert, current_account(), pair, text["title"], text["body"], form.severity.data, region=_region()
        )

    def blocked(exc: publish.Blocked):
        marked = {name: anonymity.segments(text[name], exc.hits, name) for name in anonymity.CHECKED_FIELDS}
        return _page(alert, 422, pair=pair, update_form=form, problem=str(exc), update_marked=marked)

    return _act(alert, act, pair=pair, blocked=blocked, update_form=form)


@bp.post("/alerts/<reference>/retract")
@roles("coordinator")
def retract_alert(reference: str):
    alert = _alert(reference)
    form = RetractForm()
    if not form.validate_on_submit():
        return _page(alert, 400, retract_form=form, problem="The retraction was not sent: correct the marked fields.")
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, retract_form=form, problem="You need the scheme key to retract an alert.")

    def act(db):
        publish.retract(db, alert, current_account(), pair, form.note.data or "", region=_region())

    return _act(alert, act, pair=pair, retract_form=form)
