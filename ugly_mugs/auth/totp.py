"""TOTP codes (RFC 6238, via pyotp) with replay protection.

A code is accepted for the current 30-second step or the one before (clock drift), and
only if its step is later than the last step accepted for that account: a code can never
be used twice, not even after logout, and an older code is refused once a later one was used.
"""

from __future__ import annotations

import hmac
import time

import pyotp

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Ugly Mugs"


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=username, issuer_name=issuer)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def normalise(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace() and ch != "-")


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and later than ``last_step``; else None."""
    code = normalise(code)
    # isdigit() alone lets other scripts' digits through, which compare_digest cannot compare.
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step(now)
    for candidate in (step, step - 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None
