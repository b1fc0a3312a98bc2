"""A subscriber's number or address as typed, checked and normalised (no Flask).

Numbers are read with ``phonenumbers`` (Google's libphonenumber metadata: which ranges of each
country are mobile, premium rate, shared cost, short codes …) in the installation's region, and
only a number libphonenumber calls mobile (or "fixed line or mobile", where a country's plan does
not tell them apart) is taken: a premium-rate, shared-cost, toll-free, short or landline number
is refused, so the sign-up page cannot be made to send paid texts to a number that earns from
them. A sign-up also needs a number of one of the installation's countries
(``UGLY_MUGS_SMS_COUNTRIES``, by default the home country ``UGLY_MUGS_PHONE_REGION``): a mobile
number abroad costs more and is the usual target of SMS pumping (``check_country``). Replies and
the stop page read any valid mobile number, so that a number taken when its country was allowed
can always stop. Addresses are checked to RFC 5321/5322 with ``email-validator``, as projects' addresses are.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
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


def parse_number(raw: str, region: str) -> Contact:
    """A mobile number in E.164 from what was typed (national numbers read in ``region``).

    Spaces, dashes, brackets, a ``+`` or the international prefix (``00`` in most of Europe) are
    read as libphonenumber reads them, and so are digits of other scripts (full-width, Arabic-Indic):
    the result is always ASCII E.164. Raises ``ContactError`` with code ``empty``, ``long``,
    ``unusable`` (not a valid number, or control characters such as NUL in it) or ``not_mobile``
    (premium rate, shared cost, toll free, short, landline, pager …).
    """
    raw = (raw or "").strip()
    if not raw:
        raise ContactError("empty")
    if len(raw) > 32:
        raise ContactError("long")
    # libphonenumber skips some characters it does not read (a leading NUL, say): what reaches it
    # is what a keyboard types, so a number is never taken from a string carrying hidden bytes.
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise ContactError("unusable")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ContactError("unusable") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("unusable")
    if phonenumbers.number_type(number) not in _MOBILE:
        raise ContactError("not_mobile")
    return Contact(SMS, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def region_of(number: Contact) -> str:
    """The country (ISO 3166 alpha-2, as libphonenumber names it) of a number from ``parse_number``.

    A number shared by several regions of one country code is placed in its own: a Jersey mobile
    (+44 7797 …) is ``JE``, not ``GB``. ``ZZ`` when no region claims it."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(number.value, None)) or "ZZ"


def check_country(number: Contact, countries: Collection[str]) -> str:
    """The country of ``number`` when it is one of ``countries``; ``ContactError("country")`` if not."""
    region = region_of(number)
    if region not in countries:
        raise ContactError("country")
    return region


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
