"""Staff onboarding by invitation: nobody but the person ever knows their password. No Flask imports.

An admin makes an account as an invitation (or re-issues one, which also resets the password):
a random token, shown once to the admin as a link to give to the person out of band. Only a
keyed hash of the token is stored (HMAC-SHA256 under a key derived from the audit key, which is
kept outside the database, so whoever can write to the database cannot plant a token of their
own), with the moment the link stops working. The person opens the link and sets their own
password, which is when their personal key pair is made; they then enrol their own
authenticator at the usual first-login step. Until then the account has no key pair, so no
password opens it and no group key can be sealed to it.

Re-issuing an invitation to an account that has a password is a password reset: its key pair,
password and authenticator are destroyed at once, every group-key copy sealed to the old key
is withdrawn (the memberships stay, pending: a current key holder approves again), and every
session ends. An expired, used, replaced, unknown or deactivated account's link gets the same
answer, so a link says nothing about whether an account exists.

Tokens are 32 random bytes (256 bits, RFC 4648 base64url, 43 characters).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.auth import accounts
from ugly_mugs.crypto import macs
from ugly_mugs.keys import groups
from ugly_mugs.models import Account
from ugly_mugs.models.base import utcnow

TOKEN_BYTES = 32
TOKEN_CHARACTERS = 43  # base64url of 32 bytes, unpadded
_PURPOSE = "staff invitation token v1"
_TOKEN_SYMBOLS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class InvitationError(ValueError):
    """The link does not work (expired, used, replaced, unknown, or its account is deactivated).

    One message for every case: the page must not tell which."""


def digest(audit_key: bytes, token: str) -> str:
    """The stored keyed hash of ``token``: 64 hex digits (HMAC-SHA256 under a subkey of the audit key)."""
    return macs.tag(macs.subkey(audit_key, _PURPOSE), token.encode("ascii"))


def _well_formed(token: object) -> bool:
    return isinstance(token, str) and len(token) == TOKEN_CHARACTERS and set(token) <= _TOKEN_SYMBOLS


def _issue(account: Account, audit_key: bytes, days: int, now: datetime) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    account.invitation_digest = digest(audit_key, token)
    account.invitation_expires_at = now + timedelta(days=days)
    return token


def invite_new(
    session: Session,
    audit_key: bytes,
    days: int,
    username: str,
    display_name: str,
    role: str,
    police_unit_id: int | None = None,
    project_id: int | None = None,
    actor_id: int | None = None,
) -> tuple[Account, str]:
    """Create an account as an invitation valid for ``days`` days; returns it and the token
    (to be shown once and never stored). Audited ``account_created`` and ``invitation_created``.
    Raises ``accounts.AccountError`` as ``accounts.new_account`` does."""
    account = accounts.new_account(session, username, display_name, role, police_unit_id, project_id, actor_id)
    token = _issue(account, audit_key, days, utcnow())
    audit.record(
        session,
        "invitation_created",
        actor_id=actor_id,
        subject_account_id=account.id,
        detail={"days": days, "reset": False},
    )
    session.flush()
    return account, token


def reissue(session: Session, audit_key: bytes, days: int, account: Account, actor_id: int | None) -> str:
    """A new invitation for ``account`` (any earlier link stops working); returns the token.

    If the account had a password this is a password reset: its key pair, password and
    authenticator are destroyed, its group-key copies withdrawn (``groups.withdraw_all``) and
    its sessions ended, so whoever accepts the link starts with no key (audited
    ``password_reset``). Audited ``invitation_created``. Raises ``accounts.AccountError`` for a
    deactivated account."""
    if not account.active:
        raise accounts.AccountError("The account is deactivated.")
    reset = accounts.has_key(account)
    withdrawn = groups.withdraw_all(session, account.id, actor_id)
    accounts.forget_key_pair(account)
    accounts.end_sessions(session, account.id)
    token = _issue(account, audit_key, days, utcnow())
    if reset:
        audit.record(
            session,
            "password_reset",
            actor_id=actor_id,
            subject_account_id=account.id,
            detail={"key_copies_withdrawn": withdrawn},
        )
    audit.record(
        session,
        "invitation_created",
        actor_id=actor_id,
        subject_account_id=account.id,
        detail={"days": days, "reset": reset},
    )
    session.flush()
    return token


def find_open(session: Session, audit_key: bytes, token: str, now: datetime | None = None) -> Account | None:
    """The active account whose unexpired invitation ``token`` is, or None (for anything else:
    malformed, unknown, used, replaced, expired, deactivated). The keyed hash is looked up, then
    compared again in constant time."""
    if not _well_formed(token):
        return None
    wanted = digest(audit_key, token)
    account = session.scalar(select(Account).where(Account.invitation_digest == wanted))
    if account is None or not hmac.compare_digest(wanted, account.invitation_digest or ""):
        return None
    if not account.active or account.invitation_expires_at is None:
        return None
    if account.invitation_expires_at <= (now or utcnow()):
        return None
    return account


def accept(
    session: Session, audit_key: bytes, token: str, password: str, now: datetime | None = None
) -> tuple[Account, accounts.Unlocked]:
    """Accept the invitation: the person's password (password rules apply) and a new personal key
    pair. Returns the account and its key unlocked, for the authenticator enrolment that follows
    (the account's authenticator is not set up until then). The link then stops working.

    Raises ``accounts.AccountError`` for a password the rules refuse (the link still works) and
    InvitationError if the link does not work. Audited ``invitation_accepted``."""
    accounts.check_password_rules(password)
    account = find_open(session, audit_key, token, now)
    if account is None:
        raise InvitationError("This invitation link does not work.")
    # Single use even against two requests at once: only the one that clears the digest goes on.
    claimed = session.execute(
        update(Account)
        .where(Account.id == account.id, Account.invitation_digest == account.invitation_digest)
        .values(invitation_digest=None, invitation_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvitationError("This invitation link does not work.")
    account.invitation_digest = None
    account.invitation_expires_at = None
    # Nothing sealed to an earlier key pair may survive its replacement (reissue withdrew it already).
    groups.withdraw_all(session, account.id, account.id)
    accounts.forget_key_pair(account)
    unlocked = accounts.give_key_pair(session, account, password)
    accounts.end_sessions(session, account.id)
    audit.record(session, "invitation_accepted", actor_id=account.id, subject_account_id=account.id)
    session.flush()
    return account, unlocked
