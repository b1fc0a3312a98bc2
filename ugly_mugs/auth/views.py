"""Login with two factors, authenticator enrolment, logout and password change. Views stay thin."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from markupsafe import Markup

from ugly_mugs import audit
from ugly_mugs.auth import accounts, invitations, qr, sessions, totp
from ugly_mugs.auth import login as login_service
from ugly_mugs.auth.forms import EnrolForm, InvitationForm, LoginForm, PasswordForm
from ugly_mugs.models import Account
from ugly_mugs.web import database, drafts, keyring, throttling
from ugly_mugs.web.access import ALL_STAFF, current_account, enrolling, public, roles

bp = Blueprint("auth", __name__)

FAILED = "The username, password or code is not right."
THROTTLED = "Too many tries for this account. Wait 15 minutes, or ask an admin to unlock it."

HOME = {
    "admin": "admin.accounts_page",
    "coordinator": "coordinator.reports",
    "outreach": "staff.outreach_reports",
    "project_member": "staff.home",
    "police": "police.reports",
}


def _secrets(unlocked: accounts.Unlocked, with_wrapping_key: bool) -> dict[str, bytes]:
    secrets = {"personal": unlocked.personal.private}
    if with_wrapping_key:
        secrets["wrapping"] = unlocked.wrapping_key
    return secrets


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    # A staff form sent after the session ended comes here with what was typed (``web.drafts``).
    draft = drafts.posted() if form.is_submitted() else None
    if not form.validate_on_submit():
        return drafts.login_page(form, draft, 400 if form.is_submitted() else 200)
    db = database.session()
    result = login_service.attempt(
        db, current_app.config["SECRET_KEY"], form.username.data, form.password.data, form.code.data or ""
    )
    db.commit()
    if result.outcome is login_service.Outcome.OK:
        session.begin(result.account.id, sessions.ACTIVE, _secrets(result.unlocked, with_wrapping_key=False))
        if draft is not None:
            return drafts.back_to(draft)
        return redirect(url_for(HOME[result.account.role]))
    if result.outcome is login_service.Outcome.ENROL:
        session.begin(result.account.id, sessions.ENROL, _secrets(result.unlocked, with_wrapping_key=True))
        return redirect(url_for("auth.enrol"))
    form.password.data = ""
    message = THROTTLED if result.outcome is login_service.Outcome.THROTTLED else FAILED
    return drafts.login_page(form, draft, 401, message)


@bp.route("/invitation", methods=["GET", "POST"])
@public
def invitation():
    """The invitation link (``/invitation?token=…``): the person sets their own password, then
    enrols their authenticator. A link that does not work gets one page whatever the reason."""
    form = InvitationForm()
    if not form.is_submitted():
        form.token.data = request.args.get("token", "")
    db = database.session()
    if throttling.invitation_refused():
        return render_template("auth/invitation_refused.html", throttled=True), 429
    audit_key = current_app.config["AUDIT_KEY"]
    account = invitations.find_open(db, audit_key, form.token.data or "")
    if account is None:
        throttling.invitation_wrong()
        audit.record(db, "invitation_refused")
        db.commit()
        return render_template("auth/invitation_refused.html", throttled=False), 404
    if form.validate_on_submit():
        try:
            account, unlocked = invitations.accept(db, audit_key, form.token.data, form.new.data)
        except accounts.AccountError as exc:
            form.new.errors = [str(exc)]
        except invitations.InvitationError:  # used by another request a moment ago
            db.rollback()
            return render_template("auth/invitation_refused.html", throttled=False), 404
        else:
            db.commit()
            session.begin(account.id, sessions.ENROL, _secrets(unlocked, with_wrapping_key=True))
            return redirect(url_for("auth.enrol"))
    return render_template("auth/invitation.html", form=form, account=account), 400 if form.errors else 200


@bp.route("/login/enrol", methods=["GET", "POST"])
@enrolling
def enrol():
    db = database.session()
    account = db.get(Account, session.account_id)
    secrets = session.secrets()
    unlocked = accounts.Unlocked(account.id, keyring.personal_key(), secrets["wrapping"])
    secret = login_service.enrolment_secret(db, account, unlocked)
    db.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        if login_service.confirm_enrolment(db, account, unlocked, form.code.data):
            db.commit()
            session.begin(account.id, sessions.ACTIVE, _secrets(unlocked, with_wrapping_key=False))
            return redirect(url_for(HOME[account.role]))
        db.commit()
        form.code.errors = ["That code is not right, or was used already. Wait for the next one."]
    uri = totp.provisioning_uri(secret, account.username)
    return render_template(
        "auth/enrol.html",
        form=form,
        qr=Markup(qr.svg(uri)),  # noqa: S704 - SVG drawn here from our own URI
        secret=secret,
        account=account,
    ), 400 if form.errors else 200


@bp.post("/logout")
@public
def logout():
    account_id = session.account_id if session.stage != sessions.ANONYMOUS else None
    if account_id is not None:
        db = database.session()
        accounts.end_sessions(db, account_id)
        audit.record(db, "logout", actor_id=account_id)
        db.commit()
    session.end()
    return redirect(url_for("auth.login"))


@bp.get("/staff")
@roles(*ALL_STAFF)
def home():
    return redirect(url_for(HOME[current_account().role]))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(*ALL_STAFF)
def change_password():
    form = PasswordForm()
    account = current_account()
    if form.validate_on_submit():
        db = database.session()
        try:
            # The new password's rules first: a typing slip there should not cost a guess.
            accounts.check_password_rules(form.new.data)
        except accounts.AccountError as exc:
            form.new.errors = [str(exc)]
        else:
            checked = login_service.check_current_password(
                db, current_app.config["SECRET_KEY"], account, form.current.data
            )
            if checked.outcome is login_service.Outcome.OK:
                accounts.change_password(db, account, checked.unlocked, form.new.data, session.id_hash)
                db.commit()
                return render_template("auth/password_changed.html")
            db.commit()  # the failure counts towards the lockout, and its audit entry is kept
            if checked.outcome is login_service.Outcome.THROTTLED:
                form.current.errors = [THROTTLED]
                throttling.wait(login_service.LOCK_SECONDS)
                return render_template("auth/password.html", form=form), 429
            form.current.errors = ["That is not your current password."]
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
