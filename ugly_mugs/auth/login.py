"""The login decision: password, then TOTP with replay protection, with per-account throttling.

Unknown username, wrong password and wrong code all give the same outcome, cost the same
Argon2 work (one derivation, which also unlocks the key: ugly_mugs.auth.accounts) and count
towards the same per-username lockout, so the answers reveal nothing about which accounts
exist. Counters are keyed by an HMAC of the username, so one person's failures never lock out
anyone else. The current password asked again before a password change is a guess like any
other: it counts towards the same lockout and is audited (``check_current_password``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ugly_mugs import audit, throttle
from ugly_mugs.auth import accounts, totp
from ugly_mugs.models import Account

# (window seconds, failures allowed in it): five a minute, and slower guessing is capped
# too, so that staying just under the per-minute limit does not allow endless tries.
FAILURE_LIMITS = ((60, 5), (3600, 20), (86400, 50))
LOCK_SECONDS = 15 * 60


class Outcome(Enum):
    OK = "ok"
    ENROL = "enrol"
    FAILED = "failed"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    account: Account | None = None
    unlocked: accounts.Unlocked | None = None


def _key(secret_key: str, username: str) -> str:
    digest = hmac.new(secret_key.encode(), accounts.normalise_username(username).encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def _names(secret_key: str, username: str) -> tuple[list[str], str]:
    key = _key(secret_key, username)
    return [f"login-fail-{window}:{key}" for window, _ in FAILURE_LIMITS], f"login-lock:{key}"


def is_locked(session: Session, secret_key: str, username: str) -> bool:
    return throttle.flag_active(session, _names(secret_key, username)[1], LOCK_SECONDS)


def clear_failures(session: Session, secret_key: str, username: str) -> None:
    fail_names, lock_name = _names(secret_key, username)
    throttle.clear(session, *fail_names, lock_name)


def _fail(
    session: Session,
    secret_key: str,
    username: str,
    account: Account | None,
    action: str = "login_failed",
    actor_id: int | None = None,
) -> Attempt:
    fail_names, lock_name = _names(secret_key, username)
    over = False
    for name, (window, allowed) in zip(fail_names, FAILURE_LIMITS, strict=True):
        throttle.global_fail(session, name, window)
        over = over or throttle.window_failures(session, name, window) >= allowed
    subject = account.id if account else None
    if over:
        throttle.set_flag(session, lock_name)
        audit.record(session, "login_locked", actor_id=actor_id, subject_account_id=subject)
    audit.record(session, action, actor_id=actor_id, subject_account_id=subject)
    return Attempt(Outcome.FAILED)


def accept_step(session: Session, account: Account, step: int) -> bool:
    """Record ``step`` as used, atomically: False if this or a later step was already used."""
    result = session.execute(
        update(Account)
        .where(Account.id == account.id, or_(Account.totp_last_step.is_(None), Account.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        account.totp_last_step = step
        return True
    return False


def attempt(session: Session, secret_key: str, username: str, password: str, code: str) -> Attempt:
    """Decide a login attempt; the caller commits whatever the outcome (failures must count)."""
    if is_locked(session, secret_key, username):
        accounts.open_with_password(None, password)  # same work as any other answer
        audit.record(session, "login_throttled")
        return Attempt(Outcome.THROTTLED)
    account = accounts.find(session, username)
    unlocked = accounts.open_with_password(account, password)
    if unlocked is None or not account.active:
        return _fail(session, secret_key, username, account)
    if not account.totp_confirmed:
        audit.record(session, "login_password_ok_enrolment", actor_id=account.id)
        return Attempt(Outcome.ENROL, account, unlocked)
    secret = accounts.totp_secret(account, unlocked.wrapping_key)
    step = totp.matching_step(secret, code, account.totp_last_step)
    if step is None or not accept_step(session, account, step):
        return _fail(session, secret_key, username, account)
    clear_failures(session, secret_key, username)
    audit.record(session, "login", actor_id=account.id)
    audit.record(session, "key_unlocked", actor_id=account.id, detail={"key": "personal"})
    return Attempt(Outcome.OK, account, unlocked)


def check_current_password(session: Session, secret_key: str, account: Account, password: str) -> Attempt:
    """The current password, asked again before a change: throttled and audited like a login.

    OK (with the unlocked key), FAILED (counted towards the account's lockout, audited as
    ``password_check_failed``) or THROTTLED while the account is locked (audited as
    ``password_check_throttled``; the password is not even checked). The caller commits
    whatever the outcome, so that failures count.
    """
    if is_locked(session, secret_key, account.username):
        accounts.open_with_password(None, password)
        audit.record(session, "password_check_throttled", actor_id=account.id, subject_account_id=account.id)
        return Attempt(Outcome.THROTTLED, account)
    unlocked = accounts.open_with_password(account, password)
    if unlocked is None:
        return _fail(session, secret_key, account.username, account, "password_check_failed", actor_id=account.id)
    return Attempt(Outcome.OK, account, unlocked)


def enrolment_secret(session: Session, account: Account, unlocked: accounts.Unlocked) -> str:
    """The authenticator secret to enrol: the one made with the account, or a new one after a reset."""
    secret = accounts.totp_secret(account, unlocked.wrapping_key)
    if secret is None:
        secret = totp.new_secret()
        accounts.set_totp_secret(account, unlocked.wrapping_key, secret)
        session.flush()
    return secret


def confirm_enrolment(session: Session, account: Account, unlocked: accounts.Unlocked, code: str) -> bool:
    secret = accounts.totp_secret(account, unlocked.wrapping_key)
    step = totp.matching_step(secret, code, account.totp_last_step) if secret else None
    if step is None or not accept_step(session, account, step):
        audit.record(session, "two_factor_enrolment_failed", actor_id=account.id)
        return False
    account.totp_confirmed = True
    audit.record(session, "two_factor_enrolled", actor_id=account.id)
    audit.record(session, "login", actor_id=account.id)
    audit.record(session, "key_unlocked", actor_id=account.id, detail={"key": "personal"})
    return True
