"""Coordinator pages for alerts: start a draft from a report, edit and check it, publish (or send for
approval and approve), update and retract. Views are thin: composing, the anonymity check and
publishing live in ``alerts/``; a blocked draft comes back with the offending words marked, and
names of other people from her account come back flagged with a box to confirm each.

*Publish* (and *Send for approval*) is a button of the draft's own form: it sends the fields as
they are on screen, which are saved and published together, so an edit is never lost and never
left behind. *Approve* sends the fingerprint of the draft the approver saw."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for

from alerts.authoring import anonymity, compose, publish
from ugly_mugs.coordinator import alert_service
from ugly_mugs.coordinator.forms import ActionForm, ApproveForm, DraftForm, RetractForm, UpdateForm, offer_names
from ugly_mugs.coordinator.pages import bp, category_labels, report_or_404, report_response
from ugly_mugs.models import Alert
from ugly_mugs.models.alerts import SEVERITY_LABELS
from ugly_mugs.reports.reading import ReadRefused
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import typed_text


def _alert(reference: str) -> Alert:
    alert = alert_service.alert_by_reference(database.session(), reference)
    if alert is None:
        abort(404)
    return alert


def _areas():
    return alert_service.active_areas(database.session())


def region() -> str:
    """Where phone numbers written without a country code are from (``UGLY_MUGS_PHONE_REGION``)."""
    return current_app.config.get("PHONE_REGION", "GB")


def text_link() -> str:
    """A placeholder of this site's alert links, for the check of the text message (``UGLY_MUGS_PUBLIC_URL``)."""
    return publish.check_link(str(current_app.config.get("PUBLIC_URL") or ""))


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


def _form_for(draft: compose.Draft, areas) -> DraftForm:
    # formdata=None: on a POST that was not this form's (approve, update), the request's fields
    # must not replace the stored draft's, or an empty checkbox list would clear its areas.
    return DraftForm(
        formdata=None,
        areas=areas,
        data={
            "title": draft.title,
            "body": draft.body,
            "severity": draft.severity,
            "areas": draft.areas,
            "incident_week": draft.incident_week,
            "part_of_day": draft.part_of_day,
        },
    )


# The form each state of an alert offers: what was typed into another is shown back to copy.
_OFFERED = {"form": "draft", "update_form": "published", "retract_form": "published"}
_KEPT_HEADINGS = {"form": "Your draft", "update_form": "Your update", "retract_form": "Your retraction note"}
_DONE = {"awaiting_approval": "sent for approval", "published": "published", "retracted": "retracted"}


def _moved_on(alert: Alert, what: str) -> str:
    """Why a form typed for the alert's earlier state was refused: someone moved it on meanwhile."""
    done = _DONE.get(alert.status, "changed")
    return f"This alert was {done} meanwhile, so {what}. What you typed is kept below, to copy."


def _kept(alert: Alert, sent: dict) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The text of each form sent back that the alert's state no longer offers (it was published,
    sent for approval or retracted meanwhile), to show read-only so nothing typed is lost."""
    kept = []
    for key, form in sent.items():
        if form is not None and alert.status != _OFFERED[key] and (fields := typed_text(form, f"kept-{key}-")):
            kept.append((_KEPT_HEADINGS[key], fields))
    return kept


def _page(
    alert: Alert,
    status: int = 200,
    *,
    pair=None,
    form=None,
    verdict: anonymity.Checked | None = None,
    checked=False,
    problem="",
    words=None,
    read_audited=False,
    **extra,
):
    """The alert's page. ``form``: the draft form sent back (else the stored draft's);
    ``verdict``: the anonymity check of what the page shows; ``words``: her words to show;
    ``read_audited``: this request has already recorded (and committed) its reading of the draft
    — the anonymity check's, when it blocked; ``extra``: the update, retract or approve form
    sent back, and ``update_marked``."""
    db = database.session()
    sent = {"form": form, "update_form": extra.get("update_form"), "retract_form": extra.get("retract_form")}
    pair = pair if pair is not None else keyring.scheme_pair()
    # Every page that opens the draft records it (P5): a plain visit, and every error page of a
    # POST (a bad form, a conflict) too, unless the POST's own reading was recorded already.
    audit_read = not read_audited
    if g.get("draft_kept", False):
        # Shown back after a refused CSRF token (web.drafts): nothing may be written, not even an
        # audit entry, so the stored draft is not opened to be shown; what was typed is.
        audit_read = False
        if form is None:
            pair = None
    page = alert_service.alert_page(
        db,
        alert,
        current_account(),
        pair,
        audit_read=audit_read,
        shown=form.data if form is not None else None,
        checked=verdict,
        problem=problem,
        words=words,
    )
    if audit_read:
        db.commit()
    if form is None and page.draft is not None:
        form = _form_for(page.draft, page.areas)
    approve_form = extra.get("approve_form") or ApproveForm(
        formdata=None, data={"shown": page.draft.fingerprint() if page.draft else ""}
    )
    for names_form in (form, approve_form, extra.get("retract_form")):
        if names_form is not None:
            offer_names(names_form.confirmed_names, page.names)
    return (
        render_template(
            "coordinator/alert.html",
            **vars(page),
            form=form,
            hits=verdict.hits if verdict else [],
            flagged=verdict.flagged if verdict else [],
            checked=checked,
            approval=_approval(),
            action_form=ActionForm(),
            approve_form=approve_form,
            update_form=extra.get("update_form") or UpdateForm(formdata=None, data={"severity": alert.severity}),
            retract_form=extra.get("retract_form") or RetractForm(formdata=None),
            update_marked=extra.get("update_marked"),
            kept=_kept(alert, sent),
            parts_of_day=compose.PARTS_OF_DAY,
            severity_labels=SEVERITY_LABELS,
        ),
        status,
    )


@bp.get("/alerts")
@roles("coordinator")
def alerts():
    found = alert_service.alert_list(database.session(), request.args.get("status", ""))
    return render_template(
        "coordinator/alerts.html",
        rows=found.rows,
        status=found.status,
        statuses=alert_service.LIST_STATUSES,
        references=found.references,
        severity_labels=SEVERITY_LABELS,
    )


@bp.post("/reports/<reference>/alerts")
@roles("coordinator")
def start_alert(reference: str):
    report = report_or_404(reference)
    if not ActionForm().validate_on_submit():
        abort(400)
    pair = keyring.scheme_pair()
    if pair is None:
        notice = "You need the scheme key to write an alert. See the Keys page."
        return report_response(report, status=403, notice=notice)
    db = database.session()
    try:
        alert = alert_service.start(db, report, current_account(), pair, category_labels(), region())
    except ReadRefused:
        db.rollback()
        abort(400)
    except alert_service.CannotStart as exc:
        db.rollback()
        return report_response(report, status=409, notice=str(exc))
    db.commit()
    return redirect(url_for("coordinator.alert", reference=alert.reference))


@bp.get("/alerts/<reference>")
@roles("coordinator")
def alert(reference: str):
    return _page(_alert(reference))


@bp.post("/alerts/<reference>/words")
@roles("coordinator")
def her_words(reference: str):
    """Her own words beside the draft, to rewrite: an audited reading of the report."""
    alert = _alert(reference)
    if not ActionForm().validate_on_submit():
        return _expired(alert)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to read the report. See the Keys page.")
    db = database.session()
    try:
        words = alert_service.her_words(db, alert, current_account(), pair)
    except publish.PublishError as exc:
        db.rollback()
        return _page(alert, 409, pair=pair, problem=str(exc))
    db.commit()
    return _page(alert, pair=pair, words=words)


def _refused_fields(form: DraftForm, problems: dict[str, str]) -> None:
    for name, text in problems.items():
        getattr(form, name).errors = [*getattr(form, name).errors, text]


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
        return _page(alert, 409, pair=pair, form=form, problem=_moved_on(alert, "your edit was not saved"))
    if not form.validate_on_submit():
        return _page(alert, 400, pair=pair, form=form, problem="The draft was not saved: correct the marked fields.")
    db = database.session()
    try:
        saved = alert_service.save_and_check(db, alert, current_account(), pair, _draft_from(form), region())
    except alert_service.DraftRefused as exc:
        db.rollback()
        _refused_fields(form, exc.problems)
        return _page(alert, 400, pair=pair, form=form, problem="The draft was not saved: correct the marked fields.")
    db.commit()
    # What the page shows is the draft just saved (audited as saved) and checked (an audited read).
    if saved.unchecked:
        problem = f"Saved, but not checked: {saved.unchecked}"
        return _page(alert, 409, pair=pair, form=form, problem=problem, read_audited=True)
    return _page(
        alert, 200, pair=pair, form=form, verdict=saved.checked, checked=True, words=saved.words, read_audited=True
    )


def _act(alert: Alert, act, *, pair=None, form=None, **extra):
    """Run ``act(db)``, commit and go back to the alert; or show the page again with why not.

    ``form`` (the draft form) and ``extra`` (the update, retract or approve form being sent) go
    back into the page with what the anonymity check found marked, so nothing typed is lost.
    """
    db = database.session()
    try:
        act(db)
    except (publish.Blocked, publish.NamesToConfirm) as exc:
        db.commit()  # keeps the audit entry of the check's reading (and the draft as shown)
        if isinstance(exc, publish.Blocked):
            verdict = anonymity.Checked(hits=exc.hits)
        else:
            verdict = anonymity.Checked(flagged=exc.flagged, names=exc.names)
        problem = str(exc)
        return _page(
            alert, 422, pair=pair, form=form, verdict=verdict, checked=True, problem=problem, read_audited=True, **extra
        )
    except alert_service.DraftRefused as exc:
        db.rollback()
        _refused_fields(form, exc.problems)
        return _page(alert, 400, pair=pair, form=form, problem="Nothing was sent: correct the marked fields.", **extra)
    except publish.PublishError as exc:
        db.rollback()
        return _page(alert, 409, pair=pair, form=form, problem=str(exc), **extra)
    db.commit()
    return redirect(url_for("coordinator.alert", reference=alert.reference))


def _expired(alert: Alert):
    return _page(alert, 400, problem="The form expired. Try again.")


@bp.post("/alerts/<reference>/publish")
@roles("coordinator")
def publish_alert(reference: str):
    """Publish the draft as the form shows it (saved first), or with approval required send it
    for a second coordinator's approval."""
    alert = _alert(reference)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to publish an alert. See the Keys page.")
    form = DraftForm(areas=_areas())
    if alert.status != "draft":
        return _page(
            alert, 409, pair=pair, form=form, problem=_moved_on(alert, "your draft was neither saved nor sent")
        )
    if not form.validate_on_submit():
        problem = "Nothing was sent: correct the marked fields. What you typed is kept below."
        return _page(alert, 400, pair=pair, form=form, problem=problem)
    draft = _draft_from(form)

    def act(db):
        alert_service.publish_shown(
            db,
            alert,
            current_account(),
            pair,
            draft,
            region=region(),
            link=text_link(),
            approval=_approval(),
            confirmed=form.confirmed_names.data or [],
        )

    return _act(alert, act, pair=pair, form=form)


@bp.post("/alerts/<reference>/approve")
@roles("coordinator")
def approve_alert(reference: str):
    alert = _alert(reference)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _expired(alert)
    pair = keyring.scheme_pair()
    if pair is None:
        return _page(alert, 403, problem="You need the scheme key to approve an alert. See the Keys page.")

    def act(db):
        publish.publish(
            db,
            alert,
            current_account(),
            pair,
            region=region(),
            link=text_link(),
            approval_required=True,
            confirmed=form.confirmed_names.data or [],
            shown=form.shown.data or "",
        )

    return _act(alert, act, pair=pair, approve_form=form)


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
    db = database.session()
    try:
        publish.update(
            db,
            alert,
            current_account(),
            pair,
            text["title"],
            text["body"],
            form.severity.data,
            region=region(),
            link=text_link(),
            confirmed=form.confirmed_names.data or [],
        )
    except (publish.Blocked, publish.NamesToConfirm) as exc:
        db.commit()  # keeps the audit entry of the check's reading
        marks = exc.hits if isinstance(exc, publish.Blocked) else exc.flagged
        marked = {name: anonymity.segments(text[name], marks, name) for name in anonymity.CHECKED_FIELDS}
        offer_names(form.confirmed_names, getattr(exc, "names", ()))
        return _page(alert, 422, pair=pair, update_form=form, problem=str(exc), update_marked=marked, read_audited=True)
    except publish.PublishError as exc:
        db.rollback()
        return _page(alert, 409, pair=pair, update_form=form, problem=str(exc))
    db.commit()
    return redirect(url_for("coordinator.alert", reference=alert.reference))


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
        publish.retract(
            db,
            alert,
            current_account(),
            pair,
            form.note.data or "",
            region=region(),
            link=text_link(),
            confirmed=form.confirmed_names.data or [],
        )

    return _act(alert, act, pair=pair, retract_form=form)
