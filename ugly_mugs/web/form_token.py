"""Signed, time-limited tokens in reporter forms, and the Origin check for their POSTs.

Reporter pages set no cookie, so a session-bound CSRF token is not possible. Instead each
form carries a token signed with the secret key and stamped with the time it was issued;
a POST from another site is refused by its Origin or Sec-Fetch-Site header. A missing or
expired token never loses what was typed: the view shows the filled form again with a
fresh token and asks the person to press the button once more.

The report form's token also carries an idempotency key (``issue(..., with_key=True)``, read
back by ``key_of``): new each time the form is shown, the same when the same page is sent
twice (a double press, a browser's retry), so that ``reports.idempotency`` files it once and
answers the second time with the same receipt. The key is random and says nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from enum import Enum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "ugly-mugs reporter form"


class TokenState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    MISSING = "missing"
    INVALID = "invalid"


# A secret key, or the keys of a rotation: former keys first, the current key last (itsdangerous
# signs with the last and accepts a signature by any).
Keys = str | Sequence[str]


def keys(config: Mapping[str, object]) -> list[str]:
    """``SECRET_KEY_FALLBACKS`` then ``SECRET_KEY`` of a Flask config: what ``issue``, ``check`` and
    ``key_of`` take, so that a form shown before a rotation is still accepted after it."""
    return [*(str(k) for k in config.get("SECRET_KEY_FALLBACKS") or ()), str(config["SECRET_KEY"])]


# Bytes of randomness in a form's idempotency key (32 URL-safe characters).
KEY_BYTES = 24


def issue(secret_key: Keys, form_name: str, with_key: bool = False) -> str:
    """A token for ``form_name``, signed with ``secret_key`` (the last, when several); ``with_key``:
    carrying a new random idempotency key."""
    payload: str | list[str] = [form_name, secrets.token_urlsafe(KEY_BYTES)] if with_key else form_name
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps(payload)


def _name(payload: object) -> object:
    return payload[0] if isinstance(payload, list) and len(payload) == 2 else payload


def check(secret_key: Keys, form_name: str, token: str | None, max_age: int) -> TokenState:
    """How ``token`` stands: signed by one of ``secret_key`` for ``form_name`` and at most ``max_age``
    seconds old (VALID), older (EXPIRED), absent (MISSING), or anything else (INVALID)."""
    if not token:
        return TokenState.MISSING
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        return TokenState.EXPIRED
    except BadSignature:
        return TokenState.INVALID
    return TokenState.VALID if _name(payload) == form_name else TokenState.INVALID


def key_of(secret_key: Keys, token: str | None) -> str | None:
    """The idempotency key a token signed with (one of) ``secret_key`` carries, or None (no key, a
    token issued before keys, or a bad signature). Its age is ``check``'s business."""
    if not token:
        return None
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str):
        return payload[1]
    return None


def is_cross_site(sec_fetch_site: str | None, origin: str | None, host_url: str) -> bool:
    """True when the browser says the POST comes from another site or origin."""
    if sec_fetch_site is not None and sec_fetch_site not in ("same-origin", "none"):
        return True
    if origin is not None and origin != "null":
        return origin.rstrip("/") != host_url.rstrip("/")
    return origin == "null"
