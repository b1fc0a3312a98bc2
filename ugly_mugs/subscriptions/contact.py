"""A subscriber's number or address as typed, checked and normalised (no Flask).

Numbers are read with ``phonenumbers`` (Google's libphonenumber metadata: which ranges of each
country are mobile, premium rate, shared cost, short codes …) in the installation's region, and
only a number libphonenumber calls mobile (or "fixed line or mobile", where a country's plan does
not tell them apart) is taken: a premium-rate, shared-cost, toll-free, short or landline number
is refused, so the sign-up page cannot be made to send paid texts to a number that earns from
them. Addresses are checked to RFC 5321/5322 with ``email-validator``, as projects' addresses are.
"""

from __future__ import annotations

from dataclasses import dataclass

import email_validator
import phonenumbers
from phonenumbers import PhoneNumberType

SMS = "sms"
EMAIL = "email"
KINDS = (SMS, EMAIL)
MAX_TYPED = 254
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class ContactError(ValueError):
    """What was typed cannot be used; ``code`` says why (one of ``PROBLEMS``' keys in the views)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Contact:
    kind: str
    # E.164 for a number, the address with its domain in lower case for an email.
    value: str

    @property
    def hint(self) -> str | None:
        """What staff may see: the last two digits of a number; nothing of an address."""
        return self.value[-2:] if self.kind == SMS else None


def parse_number(raw: str, region: str) -> Contact:
    """A mobile number in E.164 from what was typed (national numbers read in ``region``).

    Raises ``ContactError`` with code ``empty``, ``long``, ``unusable`` (not a valid number) or
    ``not_mobile`` (premium rate, shared cost, toll free, short, landline, pager …).
    """
    raw = (raw or "").strip()
    if not raw:
        raise ContactError("empty")
    if len(raw) > 32:
        raise ContactError("long")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ContactError("unusable") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("unusable")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise ContactError("not_mobile")
    return Contact(SMS, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_email(raw: str) -> Contact:
    """A plain address (no display name, no header tricks); ``ContactError`` ``empty``, ``long`` or ``unusable``."""
    raw = (raw or "").strip()
    if not raw:
        raise ContactError("empty")
    if len(raw) > MAX_TYPED:
        raise ContactError("long")
    try:
        checked = email_validator.validate_email(raw, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise ContactError("unusable") from None
    local, _, domain = checked.normalized.rpartition("@")
    return Contact(EMAIL, f"{local}@{domain.lower()}")


def parse(kind: str, raw: str, region: str) -> Contact:
    """``parse_number`` or ``parse_email`` by ``kind``; ``ContactError("kind")`` for another kind."""
    if kind == SMS:
        return parse_number(raw, region)
    if kind == EMAIL:
        return parse_email(raw)
    raise ContactError("kind")
