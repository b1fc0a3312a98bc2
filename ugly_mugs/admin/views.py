"""Admin pages: create and manage accounts, invite to key groups, read and verify the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from ugly_mugs import audit
from ugly_mugs.admin.forms import AccountForm, AuditFilterForm
from ugly_mugs.auth import accounts, login
from ugly_mugs.keys import groups
from ugly_mugs.models import Account, AuditEntry, GroupMembership, PoliceUnit, Project
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm, options

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE = 100


def _account_form() -> AccountForm:
    db = database.session()
    form = AccountForm()
    form.police_unit.choices = options([("", "None")] + [(str(u.id), u.name) for u in db.scalars(select(PoliceUnit))])
    form.project.choices = options(
        [("", "None")] + [(str(p.id), p.name) for p in db.scalars(select(Project).where(Project.active))]
    )
    return form


@bp.route("/accounts", methods=["GET", "POST"])
@roles("admin")
def accounts_page():
    db = database.session()
    form = _account_form()
    created = None
    if form.validate_on_submit():
        password = accounts.generated_password()
        try:
            account, uri = accounts.create_account(
                db,
                form.username.data,
                form.display_name.data,
                form.role.data,
                password,
                police_unit_id=int(form.police_unit.data) if form.police_unit.data else None,
                project_id=int(form.project.data) if form.project.data else None,
                actor_id=current_account().id,
            )
        except accounts.AccountError as exc:
            db.rollback()
            form.username.errors = [str(exc)]
        else:
            db.commit()
            created = {"account": account, "password": password}
    listing = db.scalars(select(Account).order_by(Account.username)).all()
    return render_template("admin/accounts.html", form=form, accounts=listing, created=created), (
        400 if form.errors else 200
    )


@bp.get("/accounts/<int:account_id>")
@roles("admin")
def account(account_id: int):
    db = database.session()
    subject = db.get(Account, account_id) or abort(404)
    memberships = db.scalars(select(GroupMembership).where(GroupMembership.account_id == subject.id)).all()
    locked = login.is_locked(db, current_app.config["SECRET_KEY"], subject.username)
    return render_template(
        "admin/account.html",
        subject=subject,
        memberships=memberships,
        locked=locked,
        can_join=groups.group_for(db, subject) is not None,
        confirm=ConfirmForm(),
    )


ACTIONS = ("deactivate", "reset-two-factor", "unlock", "invite", "remove-key")


@bp.post("/accounts/<int:account_id>/<action>")
@roles("admin")
def account_action(account_id: int, action: str):
    db = database.session()
    subject = db.get(Account, account_id)
    if subject is None or action not in ACTIONS or not ConfirmForm().validate_on_submit():
        abort(404)
    actor = current_account().id
    if action == "deactivate":
        accounts.deactivate(db, subject, actor)
    elif action == "reset-two-factor":
        accounts.reset_two_factor(db, subject, actor)
    elif action == "unlock":
        accounts.unlock_account(db, subject, actor, current_app.config["SECRET_KEY"])
    elif action == "invite":
        try:
            groups.invite(db, subject, actor)
        except groups.GroupError:
            abort(409)
    elif action == "remove-key":
        for member in db.scalars(select(GroupMembership).where(GroupMembership.account_id == subject.id)).all():
            groups.remove(db, member, actor)
    db.commit()
    return redirect(url_for("admin.account", account_id=subject.id))


@bp.get("/audit")
@roles("admin")
def audit_log():
    db = database.session()
    form = AuditFilterForm(request.args)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEntry.action == form.action.data.strip())
        if form.report.data:
            query = query.where(AuditEntry.report_id == form.report.data.strip())
        if form.actor.data:
            actor = accounts.find(db, form.actor.data)
            query = query.where(AuditEntry.actor_id == (actor.id if actor else -1))
    try:
        before = int(request.args.get("before", "0"))
    except ValueError:
        before = 0
    if before > 0:
        query = query.where(AuditEntry.id < before)
    entries = db.scalars(query.limit(PAGE)).all()
    names = {a.id: a.username for a in db.scalars(select(Account))}
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries,
        names=names,
        verification=audit.verify(db),
        next_before=entries[-1].id if len(entries) == PAGE else None,
    )
