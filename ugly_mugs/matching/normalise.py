"""Normalising identifiers from a report's perpetrator section, so that spellings of one match.

No Flask imports. Each function takes what a person typed and returns an ``Identifier`` (or
None when nothing usable is left); only normalised values are ever keyed into blind indexes.

- **Phone numbers** become E.164 (``+447700900123``) with ``phonenumbers``, the national
  spelling read in the configured default region: ``07700 900123``, ``+44 7700 900123``,
  ``0044 7700-900-123`` and ``(07700) 900 123`` are one number. A number ``phonenumbers``
  cannot make sense of (too short or too long for any plan) is not thrown away: if it has
  6 to 17 digits it is kept as ``digits:`` followed by the digits alone, so the same odd
  spelling still matches itself but never a real E.164 number. Fewer digits are skipped.
- **Number plates** are upper-cased with everything but letters and digits removed
  (``ab12 cde``, ``AB12-CDE``, ``ab 12 c d e`` → ``AB12CDE``). A plate is *partial* when it
  holds a wildcard (``?``, ``*``, ``_``, ``…``, ``...``) or has fewer than 5 characters. A
  partial plate is never matched as a whole: see ``vehicle_fragments``.
- **Emails** are trimmed (also of ``mailto:`` and angle brackets) and lower-cased whole; an
  address without exactly one ``@`` with text on both sides is skipped.
- **Usernames and advert handles** are Unicode-normalised (NFKC), case-folded, trimmed, with
  leading ``@`` removed and inner runs of white space made one space.

**Several values in one field.** People write two numbers in one line ("07700 900111 / 07700
900222"), two plates in the plate field, addresses after a comma. ``values`` splits a field's
text on what they write between values: ``/``, ``,``, ``;``, ``|``, a line end, or the word
"or" in any of the five languages (or, sau, ou, lub, albo, или) between spaces; each value is
normalised and indexed on its own. A slash belongs to an advert's address ("site.com/name"), so
a username is split at a slash only with white space around it. A split is used only when it
yields values: a phone field is split only if every piece is a real number (so "0721/123 456",
one number written with a slash, stays one), a plate field keeps the pieces that hold a digit,
an email field the pieces that are addresses; otherwise the text is read whole, as before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from ugly_mugs.reports import fields
from ugly_mugs.reports.fields import EMAIL, PHONE, USERNAME, VEHICLE

# Index rows of fragments of plates (see vehicle_fragments); keyed with the vehicle key.
VEHICLE_PART = "vehicle_part"

MAX_INPUT = 200
FULL_PLATE_MIN = 5
PREFIX_LENGTH = 4
SUFFIX_LENGTH = 3
WILDCARDS = "?*_"
_DIGITS_MIN, _DIGITS_MAX = 6, 17
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_IN_TEXT = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")
# Bulgarian (and other Cyrillic) plates use only letters that look like Latin ones; people type either.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
# After "reg" or "plate": one group of up to 4 characters, then up to two more groups written in
# capitals or digits (so "reg AB12 CDE and then" stops before "and").
_PLATE_IN_TEXT = re.compile(
    r"(?i:\b(?:reg(?:istration)?|number plate|plate))\s*[:\-]?\s*"
    r"([A-Za-z0-9?*_]{1,4}(?:[ \-]?[A-Z0-9?*_]{1,4}){0,2})(?![A-Za-z0-9?*_])"
)


# The word "or" of the five languages, as a separator: a whole word with space or a separator
# before it and space after it; in lower case (and English "OR"), so that the letters of a plate
# typed in capitals ("AB12 SAU") are never taken for it.
_OR = r"(?<=[\s,;|/])(?:or|Or|OR|sau|ou|lub|albo|или)(?=\s)"
# Between values of a phone, plate or email field (none of which holds any of these).
_SEPARATORS = re.compile(rf"[/,;|\n]|{_OR}")
# Between usernames or advert addresses, which may hold a slash (not between spaces) or a space.
_NAME_SEPARATORS = re.compile(rf"[,;|\n]|(?<=\s)/(?=\s)|{_OR}")


@dataclass(frozen=True, order=True)
class Identifier:
    kind: str
    value: str
    partial: bool = False


def _clean(raw: object) -> str:
    if not isinstance(raw, str):
        return ""
    # Lone surrogates and control characters cannot be part of any identifier (nor be encoded).
    text = "".join(ch for ch in raw[: MAX_INPUT * 2] if unicodedata.category(ch) not in ("Cc", "Cs", "Cf"))
    return unicodedata.normalize("NFKC", text)[:MAX_INPUT].strip()


def _usable(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_valid_number(number) or (
        phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE
    )


def phone(raw: object, region: str = "GB") -> Identifier | None:
    text = _clean(raw)
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        return None
    if text.startswith("00"):
        # The international prefix of most of the world, written instead of '+'.
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and _usable(number):
        return Identifier(PHONE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    # A number with words around it ("07700 900123 (mob)", "tel: …"): the first number in it.
    words = any(ch.isalpha() for ch in text)
    for match in phonenumbers.PhoneNumberMatcher(
        text if words else "", region, leniency=phonenumbers.Leniency.POSSIBLE
    ):
        if _usable(match.number):
            return Identifier(PHONE, phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    digits = "".join(ch for ch in text if ch.isdigit())
    if _DIGITS_MIN <= len(digits) <= _DIGITS_MAX:
        return Identifier(PHONE, "digits:" + digits)
    return None


def vehicle(raw: object) -> Identifier | None:
    text = _clean(raw).upper().replace("...", "?").replace("…", "?").translate(_CYRILLIC_LOOKALIKES)
    plate = "".join("?" if ch in WILDCARDS else ch for ch in text if ch in WILDCARDS or ch.isalnum())
    if not plate.strip("?"):
        return None
    partial = "?" in plate or len(plate) < FULL_PLATE_MIN
    return Identifier(VEHICLE, plate, partial)


def vehicle_fragments(plate: Identifier) -> list[Identifier]:
    """The fragments a plate is indexed under, so that a partial plate can find a full one.

    A full plate gives its first four and its last three characters; a partial plate gives the
    known characters before its first wildcard (if there are at least four, or the whole of a
    short plate without wildcards that long) and after its last one (if at least three).
    Fragment rows are marked with the plate's own ``partial`` flag, and a link through a
    fragment is shown only when one side is partial, and then only as a *possible* match: two
    full plates that merely start alike are never linked.
    """
    value = plate.value
    fragments = []
    head = value.split("?", 1)[0]
    tail = value.rsplit("?", 1)[-1] if "?" in value else value
    if len(head) >= PREFIX_LENGTH:
        fragments.append(Identifier(VEHICLE_PART, "prefix:" + head[:PREFIX_LENGTH], plate.partial))
    if ("?" in value or not plate.partial) and len(tail) >= SUFFIX_LENGTH:
        fragments.append(Identifier(VEHICLE_PART, "suffix:" + tail[-SUFFIX_LENGTH:], plate.partial))
    return fragments


def email(raw: object) -> Identifier | None:
    text = _clean(raw)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").strip().lower()
    if not _EMAIL.match(text):
        return None
    return Identifier(EMAIL, text)


def username(raw: object) -> Identifier | None:
    text = _clean(raw).lstrip("@").strip()
    text = " ".join(text.casefold().split())
    return Identifier(USERNAME, text) if text else None


def split(raw: object, kind: str | None) -> list[str]:
    """The non-empty pieces of ``raw`` between the separators of ``kind`` (see the module's
    docstring); [] for anything but text."""
    if not isinstance(raw, str):
        return []
    separators = _NAME_SEPARATORS if kind in (USERNAME, None) else _SEPARATORS
    # Padded with spaces so that "or" at either end is seen as a word between values.
    return [piece.strip() for piece in separators.split(f" {raw[: MAX_INPUT * 4]} ") if piece.strip()]


def values(raw: object, kind: str, region: str = "GB") -> list[Identifier]:
    """The identifiers of ``kind`` (PHONE, VEHICLE, EMAIL or USERNAME) in one answer, which may
    hold several values (``split``); the text read whole when the split yields none."""
    pieces = split(raw, kind)
    if kind == PHONE:
        found = [phone(piece, region) for piece in pieces]
        if len(pieces) > 1 and all(item is not None and not item.value.startswith("digits:") for item in found):
            return found
        return [item] if (item := phone(raw, region)) else []
    if kind == VEHICLE:
        plates = [vehicle(piece) for piece in pieces if any(ch.isdigit() for ch in piece)]
        if len(pieces) > 1 and any(plates):
            return [item for item in plates if item is not None]
        return [item] if (item := vehicle(raw)) else []
    if kind == EMAIL:
        addresses = [item for piece in pieces for part in piece.split() if (item := email(part))]
        if addresses:
            return addresses
        return [item] if (item := email(raw)) else []
    return [item for piece in pieces if (item := username(piece))]


def _as_list(value: object) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return value.splitlines()
    return []


def from_text(text: object, region: str = "GB") -> list[Identifier]:
    """Phone numbers, emails and plates (after 'reg' or 'plate') found in free text added later."""
    if not isinstance(text, str):
        return []
    body = unicodedata.normalize("NFKC", text[:10_000].encode("utf-8", "ignore").decode("utf-8"))
    found: list[Identifier] = []
    for match in phonenumbers.PhoneNumberMatcher(body, region, leniency=phonenumbers.Leniency.POSSIBLE):
        found.append(Identifier(PHONE, phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)))
    for address in _EMAIL_IN_TEXT.findall(body):
        item = email(address)
        if item:
            found.append(item)
    for plate in _PLATE_IN_TEXT.findall(body):
        item = vehicle(plate)
        if item:
            found.append(item)
    return found


def from_perpetrator(section: object, region: str = "GB") -> list[Identifier]:
    """Every identifier in one perpetrator section (as filed, or a later 'more' addition): the
    fields the declaration gives an ``identifier`` kind (``ugly_mugs.reports.fields``)."""
    if not isinstance(section, dict):
        return []
    found: list[Identifier] = []
    for declared in fields.identifier_fields():
        value = fields.value_at(section, declared.key)
        if declared.identifier == fields.IN_TEXT:
            found += from_text(value, region)
        else:
            # A list's items, or the one answer; each may hold several values.
            for raw in _as_list(value) if declared.kind == fields.LIST else [value]:
                found += values(raw, declared.identifier, region)
    return sorted(set(found))


def index_entries(identifiers: list[Identifier]) -> list[Identifier]:
    """What is indexed for these identifiers: each whole value that is not partial, plus plate fragments."""
    entries: set[Identifier] = set()
    for item in identifiers:
        if item.kind == VEHICLE:
            entries.update(vehicle_fragments(item))
            if item.partial:
                continue
        entries.add(item)
    return sorted(entries)


def for_check(raw: object, kind: str | None, region: str = "GB") -> list[Identifier]:
    """The identifiers a checked value may be: of the kind asked for, or every kind it could be.

    Several values in it (``split``; at a slash only with white space around when the kind is
    not given) are each checked when every one of them is usable; else the text is read whole."""
    pieces = split(_clean(raw), kind)
    if len(pieces) > 1:
        each = [_check_one(piece, kind, region) for piece in pieces]
        if all(each):
            return sorted({item for found in each for item in found})
    return _check_one(raw, kind, region)


def _check_one(raw: object, kind: str | None, region: str) -> list[Identifier]:
    text = _clean(raw)
    if not text:
        return []
    makers = {
        PHONE: lambda: phone(text, region),
        VEHICLE: lambda: vehicle(text),
        EMAIL: lambda: email(text),
        USERNAME: lambda: username(text),
    }
    if kind:
        kinds = [kind]
    elif "@" in text.strip("@") and not text.startswith("@"):
        kinds = [EMAIL]
    elif text.startswith("@"):
        kinds = [USERNAME]
    else:
        looks_like_phone = sum(ch.isdigit() for ch in text) >= _DIGITS_MIN and not any(ch.isalpha() for ch in text)
        kinds = [PHONE] if looks_like_phone else [VEHICLE, USERNAME]
    found = [makers[k]() for k in kinds if k in makers]
    # A partial plate is for coordinators to judge, never an answer to a check.
    return [item for item in found if item is not None and not item.partial]
