"""How a text travels as SMS: which alphabet, and how many segments it takes.

An SMS carries 140 octets of user data. In the GSM 7-bit default alphabet (3GPP TS 23.038,
formerly GSM 03.38) that is 160 characters; a character of the extension table (``€ [ ] { } ~
^ | \\`` and the form feed) is an escape and the character, so it counts twice. Text with any
character outside both tables goes as UCS-2: 70 UTF-16 code units, so a character outside the
Basic Multilingual Plane (an emoji) counts twice. A longer text is sent as a concatenated SMS
(3GPP TS 23.040, 9.2.3.24.1): each segment gives 6 octets to the header that joins them, which
leaves 153 septets or 67 code units. An escape pair or a surrogate pair is never split across
two segments, so a segment may hold one unit less (this is also how Kannel splits).

Which characters are in the GSM tables is the ``gsm0338`` codec's (a maintained codec of the
default alphabet and its extension table), not a table of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gsm0338 import Codec

_GSM = Codec()
_ESCAPE = "\x1b"


@dataclass(frozen=True)
class Encoding:
    """An SMS alphabet: its name, units per segment alone and in a concatenated message."""

    name: str
    single: int  # units in a message of one segment
    per_segment: int  # units in each segment of a concatenated message
    kannel_coding: int  # the ``coding`` parameter of Kannel's sendsms (0 = 7 bit, 2 = UCS-2)


GSM7 = Encoding("GSM-7", single=160, per_segment=153, kannel_coding=0)
UCS2 = Encoding("UCS-2", single=70, per_segment=67, kannel_coding=2)


@cache
def gsm_units(char: str) -> int | None:
    """Septets ``char`` takes in GSM-7 (1, or 2 for the extension table); None when it has none."""
    if char == _ESCAPE:
        # The escape code itself is no character: sent bare, it would swallow the next one.
        return None
    try:
        return len(_GSM.encode(char)[0])
    except (UnicodeEncodeError, KeyError):
        return None


def ucs2_units(char: str) -> int:
    """UTF-16 code units of ``char``: 2 for a character outside the Basic Multilingual Plane."""
    return 2 if ord(char) > 0xFFFF else 1


def is_gsm7(text: str) -> bool:
    """Every character of ``text`` is in the GSM default alphabet or its extension table."""
    return all(gsm_units(ch) is not None for ch in text)


def encoding_for(text: str) -> Encoding:
    """GSM-7 where the text allows it, UCS-2 otherwise."""
    return GSM7 if is_gsm7(text) else UCS2


def units(text: str, encoding: Encoding | None = None) -> int:
    """Septets (GSM-7) or code units (UCS-2) of ``text``; ``ValueError`` if GSM-7 cannot hold it."""
    encoding = encoding or encoding_for(text)
    if encoding is UCS2:
        return sum(ucs2_units(ch) for ch in text)
    costs = [gsm_units(ch) for ch in text]
    if None in costs:
        raise ValueError("the text has characters that GSM-7 cannot carry")
    return sum(costs)


@dataclass(frozen=True)
class Segmented:
    """A text cut into the segments a phone receives; ``parts`` joined give the text back."""

    text: str
    encoding: Encoding
    units: int
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def split(text: str, encoding: Encoding | None = None) -> Segmented:
    """``text`` as segments: one if it fits a single SMS, else concatenated parts.

    Raises ``ValueError`` if ``encoding`` is GSM-7 and the text holds a character outside it.
    The empty text is one (empty) segment, as gateways send it.
    """
    encoding = encoding or encoding_for(text)
    unit_of = ucs2_units if encoding is UCS2 else gsm_units
    costs = [unit_of(ch) for ch in text]
    if None in costs:
        raise ValueError("the text has characters that GSM-7 cannot carry")
    total = sum(costs)
    if total <= encoding.single:
        return Segmented(text, encoding, total, (text,))
    parts: list[str] = []
    start, used = 0, 0
    for i, cost in enumerate(costs):
        if used + cost > encoding.per_segment:
            parts.append(text[start:i])
            start, used = i, 0
        used += cost
    parts.append(text[start:])
    return Segmented(text, encoding, total, tuple(parts))


def count(text: str) -> int:
    """How many segments ``text`` takes in the alphabet it needs."""
    return split(text).segments
