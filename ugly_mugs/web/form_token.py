"""Signed, time-limited tokens in reporter forms, and the Origin check for their POSTs.

Reporter pages set no cookie, so a session-bound CSRF token is not possible. Instead each
form carries a token signed with the secret key and stamped with the time it was issued;
a POST from another site is refused by its Origin or Sec-Fetch-Site header. A missing or
expired token never loses what was typed: the view shows the filled form again with a
fresh token and asks the person to press the button once more.
"""

from __future__ import annotations

from enum import Enum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "ugly-mugs reporter form"


class TokenState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    MISSING = "missing"
    INVALID = "invalid"


def issue(secret_key: str, form_name: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps(form_name)


def check(secret_key: str, form_name: str, token: str | None, max_age: int) -> TokenState:
    if not token:
        return TokenState.MISSING
    try:
        name = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        return TokenState.EXPIRED
    except BadSignature:
        return TokenState.INVALID
    return TokenState.VALID if name == form_name else TokenState.INVALID


def is_cross_site(sec_fetch_site: str | None, origin: str | None, host_url: str) -> bool:
    """True when the browser says the POST comes from another site or origin."""
    if sec_fetch_site is not None and sec_fetch_site not in ("same-origin", "none"):
        return True
    if origin is not None and origin != "null":
        return origin.rstrip("/") != host_url.rstrip("/")
    return origin == "null"
