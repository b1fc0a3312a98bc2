"""Staff pages: outreach workers file for someone on the street and follow their reports'
status (never their content); coordinators and police liaison receive and pass on group keys."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Account, GroupMembership, Project, Report
from ugly_mugs.reporting import forms as reporting_forms
from ugly_mugs.reports import filing as service
from ugly_mugs.reports import statuses
from ugly_mugs.staff.forms import OutreachReportForm, RecoveryForm
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("staff", __name__)

STATUS_WORDS = {
    statuses.RECEIVED: "Received",
    statuses.REVIEWED: "Reviewed",
    statuses.ALERT_PUBLISHED: "Alert published",
    statuses.PASSED_TO_POLICE: "Passed to police",
    statuses.ERASED: "Deleted by the reporter",
}

CONSENT_WORDS = {
    "alert_only": "Warn others only",
    "anonymous_intel": "Police may know about him, not about the person",
    "full": "Police may have everything",
}


@bp.get("/staff/home")
@roles("project_member")
def home():
    account = current_account()
    project = database.session().get(Project, account.project_id) if account.project_id else None
    return render_template("staff/home.html", account=account, project=project)


def _outreach_form():
    cfg = current_app.config
    return OutreachReportForm(areas=cfg["AREAS"], categories=cfg["CATEGORIES"])


@bp.route("/outreach/report", methods=["GET", "POST"])
@roles("outreach")
def outreach_report():
    account = current_account()
    form = _outreach_form()
    if account.project_id is None:
        return render_template("staff/no_project.html"), 409
    if not form.validate_on_submit():
        notice = "Please fix the points marked below. Nothing has been lost." if form.is_submitted() else None
        return render_template("staff/outreach_report.html", form=form, notice=notice), 400 if notice else 200
    new = reporting_forms.to_new_report(form)
    new.reporter_type = "outreach"
    new.filed_by_account_id = account.id
    new.project_id = account.project_id
    new.identity["contact_via_project"] = form.contact_via_project.data or ""
    new.identity["consent_attested_by"] = account.display_name
    db = database.session()
    try:
        filed = service.file_report(db, new, {c.code for c in current_app.config["CATEGORIES"]})
        db.commit()
    except service.ReportError as exc:
        db.rollback()
        return render_template("staff/outreach_report.html", form=form, notice=str(exc)), 400
    except (SQLAlchemyError, keystore.KeyUnavailable):
        db.rollback()
        current_app.logger.error("an outreach report could not be saved; the form was shown back")
        notice = "The report could not be saved just now. Nothing has been lost: press Send again in a few minutes."
        return render_template("staff/outreach_report.html", form=form, notice=notice), 503
    project = db.get(Project, account.project_id)
    return render_template("staff/receipt_card.html", filed=filed, project=project)


@bp.get("/outreach/reports")
@roles("outreach")
def outreach_reports():
    rows = database.session().execute(
        select(Report.reference, Report.received_at, Report.status, Report.consent_level)
        .where(Report.filed_by_account_id == current_account().id)
        .order_by(Report.received_at.desc())
        .limit(200)
    )
    return render_template(
        "staff/outreach_reports.html", rows=rows.all(), status_words=STATUS_WORDS, consent_words=CONSENT_WORDS
    )


@bp.get("/staff/keys")
@roles("coordinator", "police")
def keys():
    db = database.session()
    account = current_account()
    group = groups.group_for(db, account)
    mine = groups.membership(db, group.id, account.id) if group else None
    pending = groups.pending_for(db, account.id)
    names = {a.id: a for a in db.scalars(select(Account).where(Account.id.in_([m.account_id for m in pending])))}
    return render_template(
        "staff/keys.html",
        mine=mine,
        pending=pending,
        names=names,
        confirm=ConfirmForm(),
        recovery=RecoveryForm(),
    )


@bp.post("/staff/keys/<int:membership_id>/approve")
@roles("coordinator", "police")
def approve(membership_id: int):
    form = ConfirmForm()
    db = database.session()
    account = current_account()
    member = db.get(GroupMembership, membership_id)
    if not form.validate_on_submit() or member is None or member not in groups.pending_for(db, account.id):
        abort(404)
    groups.approve(db, member, account, keyring.personal_key())
    db.commit()
    return redirect(url_for("staff.keys"))


@bp.post("/staff/keys/recover")
@roles("coordinator", "police")
def recover():
    form = RecoveryForm()
    db = database.session()
    account = current_account()
    group = groups.group_for(db, account)
    member = groups.membership(db, group.id, account.id) if group else None
    if member is None or member.sealed is not None:
        abort(404)
    if form.validate_on_submit():
        try:
            groups.claim_with_recovery(db, member, form.passphrase.data, account.id)
        except groups.GroupError as exc:
            db.commit()
            form.passphrase.errors = [str(exc)]
        else:
            db.commit()
            return redirect(url_for("staff.keys"))
    return render_template(
        "staff/keys.html", mine=member, pending=[], names={}, confirm=ConfirmForm(), recovery=form
    ), 400
