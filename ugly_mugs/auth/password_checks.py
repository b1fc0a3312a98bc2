"""Throttling the current-password check of a signed-in account (changing the password).

A stolen session must not become a way to guess the password behind it (which unlocks the
person's keys): at most ALLOWED wrong current passwords per account per WINDOW seconds, counted
in the shared throttle store so that every process and host sees the same count. No Flask
imports.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ugly_mugs import audit, throttle

ALLOWED = 5
WINDOW = 15 * 60


def _name(account_id: int) -> str:
    return f"password-check:{account_id}"


def refused(session: Session, account_id: int) -> bool:
    """True once the account made ALLOWED wrong checks in the current window."""
    return throttle.window_failures(session, _name(account_id), WINDOW) >= ALLOWED


def wrong(session: Session, account_id: int) -> None:
    """Count (and audit) one wrong current password; the caller commits."""
    throttle.global_fail(session, _name(account_id), WINDOW)
    audit.record(session, "password_check_failed", actor_id=account_id)
