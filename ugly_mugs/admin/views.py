"""Admin pages: create and manage accounts, invite to key groups, read and verify the audit log.

Thin: each page reads the request, asks ``admin.service`` for what it shows, and renders.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ugly_mugs import helplines
from ugly_mugs.admin import service
from ugly_mugs.admin.forms import AccountForm, AuditFilterForm, HelpForm
from ugly_mugs.auth import accounts, invitations
from ugly_mugs.keys import groups
from ugly_mugs.web import boundary, database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm, options

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _account_form(page: service.AccountsPage) -> AccountForm:
    form = AccountForm()
    form.police_unit.choices = options([("", "None")] + [(str(i), name) for i, name in page.units])
    form.project.choices = options([("", "None")] + [(str(i), name) for i, name in page.projects])
    return form


@bp.route("/accounts", methods=["GET", "POST"])
@roles("admin")
def accounts_page():
    db = database.session()
    page = service.accounts_page(db)
    form = _account_form(page)
    created = None
    if form.validate_on_submit():
        try:
            account, token = invitations.invite_new(
                db,
                current_app.config["AUDIT_KEY"],
                current_app.config["INVITATION_DAYS"],
                form.username.data,
                form.display_name.data,
                form.role.data,
                police_unit_id=int(form.police_unit.data) if form.police_unit.data else None,
                project_id=int(form.project.data) if form.project.data else None,
                actor_id=current_account().id,
            )
        except accounts.AccountError as exc:
            db.rollback()
            form.username.errors = [str(exc)]
        else:
            db.commit()
            created = {"account": account, "link": _invitation_link(token)}
            page = service.accounts_page(db)  # the list now holds the new account
    return render_template("admin/accounts.html", form=form, page=page, created=created), (400 if form.errors else 200)


def _invitation_link(token: str) -> str:
    # The token goes in the query string: the access log records the path only.
    return url_for("auth.invitation", token=token, _external=True)


def _account_page(account_id: int, link: str | None = None, rotate: tuple[str, ...] = ()):
    detail = service.account_detail(database.session(), account_id, current_app.config["SECRET_KEY"])
    if detail is None:
        abort(404)
    return render_template(
        "admin/account.html",
        detail=detail,
        subject=detail.subject,
        confirm=ConfirmForm(),
        link=link,
        rotate=rotate,
        days=current_app.config["INVITATION_DAYS"],
    )


@bp.get("/accounts/<int:account_id>")
@roles("admin")
def account(account_id: int):
    return _account_page(account_id, rotate=service.rotate_advice(request.args.getlist("rotate")))


@bp.post("/accounts/<int:account_id>/invitation")
@roles("admin")
def reissue_invitation(account_id: int):
    """A new invitation link (shown once, on this answer); for an account with a password, a
    password reset that takes its keys away (``auth.invitations.reissue``)."""
    db = database.session()
    subject = service.account(db, account_id)
    if subject is None or not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        token = invitations.reissue(
            db, current_app.config["AUDIT_KEY"], current_app.config["INVITATION_DAYS"], subject, current_account().id
        )
    except accounts.AccountError:
        abort(409)  # deactivated
    db.commit()
    return _account_page(subject.id, _invitation_link(token))


@bp.post("/accounts/<int:account_id>/<action>")
@roles("admin")
def account_action(account_id: int, action: str):
    db = database.session()
    subject = service.account(db, account_id)
    if subject is None or action not in service.ACTIONS or not ConfirmForm().validate_on_submit():
        abort(404)
    try:
        advised = service.act_on_account(db, subject, action, current_account().id, current_app.config["SECRET_KEY"])
    except groups.GroupError:
        abort(409)
    db.commit()
    # Rotating the keys whose copy was just deleted is advised: the page says so (docs/staff.md).
    return redirect(url_for("admin.account", account_id=subject.id, rotate=advised))


@bp.get("/audit")
@roles("admin")
def audit_log():
    form = AuditFilterForm(request.args)
    before = boundary.id_arg(request.args, "before") or 0
    valid = form.validate()
    if valid:
        filters = service.AuditFilters(
            action=form.action.data or "",
            actor=form.actor.data or "",
            report=form.report.data or "",
            before=before,
            since=form.since.data,
            until=form.until.data,
        )
    else:
        filters = service.AuditFilters(before=before)
    page = service.audit_page(database.session(), filters)
    return render_template(
        "admin/audit.html",
        form=form,
        entries=page.entries,
        names=page.names,
        verification=page.verification,
        next_before=page.next_before,
    ), (200 if valid else 400)


def _help_data(info: helplines.HelpInfo) -> dict:
    data = {k: getattr(info, k) for k in ("emergency", "non_emergency", "scheme_name", "scheme_phone", "scheme_hours")}
    data["services"] = [vars(s) for s in info.services]
    return data


@bp.route("/help", methods=["GET", "POST"])
@roles("admin")
def help_page():
    """The help and support numbers the reporter pages and the receipt card show (``helplines``)."""
    db = database.session()
    if request.method == "GET":
        form = HelpForm(data=_help_data(helplines.load(db)))
        saved = request.args.get("saved") == "1"
        return render_template("admin/help.html", form=form, saved=saved, defaults=helplines.DEFAULTS)
    form = HelpForm()
    if form.validate_on_submit():
        try:
            if request.form.get("reset") == "1":
                helplines.reset(db, current_account().id)
            else:
                helplines.save(db, form.raw(), current_account().id)
        except helplines.HelpError as exc:
            db.rollback()
            form.field_named(exc.field).errors = [str(exc)]
        else:
            db.commit()
            return redirect(url_for("admin.help_page", saved=1))
    return render_template("admin/help.html", form=form, saved=False, defaults=helplines.DEFAULTS), 400
