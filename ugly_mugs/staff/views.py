"""Staff pages: outreach workers file for someone on the street and follow their reports'
status (never their content); coordinators and police liaison receive and pass on group keys.

Thin: each page reads the request, asks ``staff.service`` for what it shows, and renders.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale

from ugly_mugs.keys import groups
from ugly_mugs.reporting import forms as reporting_forms
from ugly_mugs.reports import filing, photos
from ugly_mugs.staff import service
from ugly_mugs.staff.forms import OutreachReportForm, RecoveryForm
from ugly_mugs.web import database, i18n, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.boundary import accepts_photos
from ugly_mugs.web.errors import render_error
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("staff", __name__)


@bp.get("/staff/home")
@roles("project_member")
def home():
    account = current_account()
    return render_template("staff/home.html", account=account, project=service.project_of(database.session(), account))


def _outreach_form():
    cfg = current_app.config
    return OutreachReportForm(areas=cfg["AREAS"], categories=cfg["CATEGORIES"])


def _person_language() -> i18n.Language:
    """The language of the person the report is filed for: ``?lang=`` (chosen per report on the
    form, not per worker), English if none or not one of ours."""
    return i18n.language_in_url() or i18n.BY_LOCALE[i18n.DEFAULT]


def _outreach_page(form, notice: str | None, photo_slots, status: int = 200):
    """The outreach form with its questions and consent wording in the person's language; the
    worker's own instructions stay in English."""
    person = _person_language()
    with force_locale(person.locale):
        page = render_template(
            "staff/outreach_report.html", form=form, notice=notice, person=person, photo_slots=photo_slots
        )
    return page, status


@bp.route("/outreach/report", methods=["GET", "POST"])
@accepts_photos
@roles("outreach")
def outreach_report():
    account = current_account()
    form = _outreach_form()
    if account.project_id is None:
        return render_template("staff/no_project.html"), 409
    limits = photos.Limits.from_config(current_app.config)
    if not form.is_submitted():
        return _outreach_page(form, None, reporting_forms.photo_slots(limits))
    if i18n.SWITCH_LANGUAGE in request.form:
        # Another language for the person: what was typed is shown back in it, not checked, not
        # filed (a browser cannot be given back chosen photos: the slots ask for them again).
        read = reporting_forms.read_photos(limits, request.form, request.files, request.photos_over_limit)
        return _outreach_page(form, "Nothing has been sent yet. Everything typed is still here.", read.slots)
    valid = form.validate_on_submit()
    read = reporting_forms.read_photos(limits, request.form, request.files, request.photos_over_limit)
    if not valid or read.slots.error:
        return _outreach_page(form, "Please fix the points marked below. Nothing has been lost.", read.slots, 400)
    person = _person_language()
    db = database.session()
    try:
        new = reporting_forms.to_new_report(form, language=person.locale)
        new.photos = read.photos
        filed, project = service.file_for_outreach(
            db,
            new,
            account,
            form.contact_via_project.data or "",
            {c.code for c in current_app.config["CATEGORIES"]},
        )
        db.commit()
    except filing.ReportError as exc:
        db.rollback()
        return _outreach_page(form, str(exc), read.slots, 400)
    except database.UNAVAILABLE:
        db.rollback()
        current_app.logger.error("an outreach report could not be saved; the form was shown back")
        notice = "The report could not be saved just now. Nothing has been lost: press Send again in a few minutes."
        return _outreach_page(form, notice, read.slots, 503)
    # The card is handed to the person: in her language, like the receipt page it points to.
    with force_locale(person.locale):
        return render_template("staff/receipt_card.html", filed=filed, project=project, person=person)


@bp.get("/outreach/reports")
@roles("outreach")
def outreach_reports():
    rows = service.outreach_reports(database.session(), current_account().id)
    return render_template("staff/outreach_reports.html", rows=rows)


def _keys_page(page: service.KeysPage, recovery: RecoveryForm):
    return render_template(
        "staff/keys.html",
        mine=page.mine,
        pending=page.pending,
        names=page.names,
        history=page.history,
        confirm=ConfirmForm(),
        recovery=recovery,
    )


@bp.get("/staff/keys")
@roles("coordinator", "police")
def keys():
    return _keys_page(service.keys_page(database.session(), current_account()), RecoveryForm())


@bp.post("/staff/keys/<int:membership_id>/approve")
@roles("coordinator", "police")
def approve(membership_id: int):
    db = database.session()
    if not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        approved = service.approve(db, current_account(), membership_id, keyring.personal_key())
    except groups.GroupError as exc:
        # The approver's own copy does not open, or the invited person has not accepted yet.
        db.rollback()
        return render_error(409, str(exc))
    if not approved:
        abort(404)
    db.commit()
    return redirect(url_for("staff.keys"))


@bp.post("/staff/keys/recover")
@roles("coordinator", "police")
def recover():
    form = RecoveryForm()
    db = database.session()
    account = current_account()
    member = service.claimable(db, account)
    if member is None:
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
    return _keys_page(service.KeysPage(mine=member, pending=[], names={}, history={}), form), 400
