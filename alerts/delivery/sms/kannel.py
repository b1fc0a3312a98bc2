"""Kannel's HTTP ``sendsms`` interface, its delivery reports and the inbound messages it passes on.

Kannel (https://www.kannel.org/, Debian's ``kannel``) is the open-source SMS gateway a small
charity runs with a GSM modem or an operator's SMSC. Its smsbox takes a message per HTTP
request; the Kannel user guide ("Sending SMS: the sendsms interface") defines the fields. We
POST, with the fields as ``X-Kannel-*`` headers and the text as the body, so that neither the
number nor the sendsms password ever sits in a URL that a proxy or a log may keep.

The ``sendsms-user`` group must allow the segments a message needs (``max-messages = 2`` or
more) and join them (``concatenation = true``); Kannel then cuts the text exactly as
``alerts.delivery.sms.segments`` counts it.

Delivery reports: with ``dlr_url`` set, Kannel calls it for each state in ``DLR_MASK`` with
``ref=<our reference>&status=<%d>`` appended; ``delivery_state`` reads the status. Kannel's
``%A`` (the SMSC's answer, which for SMPP quotes the start of the text) is never asked for.

Inbound messages: an ``sms-service`` whose ``get-url`` ends in ``MO_QUERY`` passes each one
on; ``parse_inbound`` reads that query string back into the sender and the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from alerts.delivery.sms import Accepted, PermanentGatewayError, TemporaryGatewayError, check_number, segments
from alerts.delivery.sms._http import request

# Kannel's DLR types (user guide, "Delivery reports"): bits of dlr-mask and the values of %d.
DLR_DELIVERED = 1
DLR_UNDELIVERED = 2
DLR_BUFFERED = 4
DLR_SMSC_ACCEPTED = 8
DLR_SMSC_REJECTED = 16
DLR_MASK = DLR_DELIVERED | DLR_UNDELIVERED | DLR_BUFFERED | DLR_SMSC_ACCEPTED | DLR_SMSC_REJECTED
_DLR_STATES = {
    DLR_DELIVERED: "delivered",
    DLR_UNDELIVERED: "failed",
    DLR_SMSC_REJECTED: "failed",
    DLR_BUFFERED: "pending",
    DLR_SMSC_ACCEPTED: "pending",
}

# The query an sms-service's get-url ends with: Kannel's escapes for sender (%p), receiver (%P),
# the message as sent, url-encoded (%b), its coding (%c) and charset (%C), and Kannel's id (%I).
MO_QUERY = "sender=%p&receiver=%P&text=%b&coding=%c&charset=%C&id=%I"

# A reference rides in the dlr-url, whose '%' signs Kannel reads as escapes: plain characters only.
_REFERENCE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class KannelSettings:
    """Where smsbox's sendsms listens and who we are to it."""

    sendsms_url: str  # e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    username: str
    password: str
    sender: str  # the "from": a number, or up to 11 letters and digits where operators allow it
    dlr_url: str | None = None  # our endpoint for delivery reports; None asks for none
    smsc: str | None = None  # route through this smsc-id only
    deadline: float = 10.0  # seconds for the whole request


class KannelGateway:
    """Sends one text per request to Kannel's sendsms; see ``send``."""

    def __init__(self, settings: KannelSettings):
        self.settings = settings

    def dlr_url_for(self, reference: str) -> str | None:
        base = self.settings.dlr_url
        if not base:
            return None
        return f"{base}{'&' if '?' in base else '?'}ref={reference}&status=%d"

    def send(self, to: str, text: str, reference: str) -> Accepted:
        """Hand ``text`` for ``to`` (E.164, ``+`` and digits) to Kannel.

        ``reference`` (letters, digits, ``._-``) comes back in the delivery reports. The text
        goes as GSM-7 where it can, else as UCS-2 (``coding=2``), always written in UTF-8.
        Returns what was accepted; raises ``TemporaryGatewayError`` (no answer in time, HTTP
        5xx, 408 or 429) or ``PermanentGatewayError`` (any other refusal).
        """
        check_number(to)
        if not _REFERENCE.match(reference):
            raise ValueError("a reference is 1 to 64 letters, digits, '.', '_' or '-'")
        cut = segments.split(text)
        s = self.settings
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "User-Agent": "ugly-mugs-sms/1",
            "X-Kannel-Username": s.username,
            "X-Kannel-Password": s.password,
            "X-Kannel-From": s.sender,
            "X-Kannel-To": to,
            "X-Kannel-Coding": str(cut.encoding.kannel_coding),
        }
        dlr_url = self.dlr_url_for(reference)
        if dlr_url:
            headers["X-Kannel-DLR-Mask"] = str(DLR_MASK)
            headers["X-Kannel-DLR-URL"] = dlr_url
        if s.smsc:
            headers["X-Kannel-SMSC"] = s.smsc
        answer = request("POST", s.sendsms_url, headers=headers, body=text.encode("utf-8"), deadline=s.deadline)
        if 200 <= answer.status < 300:
            return Accepted(encoding=cut.encoding, segments=cut.segments, gateway_id=None)
        raise _refusal(answer.status)


def _refusal(status: int) -> Exception:
    # Kannel answers 503 "Temporal failure, try again later"; 4xx for a bad login or request,
    # including 403 "Not routable. Do not try again."
    if status in (408, 429) or status >= 500:
        return TemporaryGatewayError(f"Kannel answered HTTP {status}")
    if status in (401, 403):
        return PermanentGatewayError(f"Kannel refused the login or the message (HTTP {status})")
    return PermanentGatewayError(f"Kannel refused the request (HTTP {status})")


def delivery_state(status: str | int) -> str:
    """``delivered``, ``failed`` or ``pending`` for a Kannel DLR type (%d); ``ValueError`` if unknown."""
    try:
        return _DLR_STATES[int(status)]
    except (KeyError, TypeError, ValueError):
        raise ValueError("not a Kannel delivery report type") from None


@dataclass(frozen=True)
class Inbound:
    """A message a phone sent us, as Kannel passed it on."""

    sender: str
    receiver: str
    text: str
    kannel_id: str


def parse_inbound(query: str) -> Inbound:
    """Read the query string of ``MO_QUERY`` (as it arrived, still url-encoded).

    The text is decoded with the charset Kannel names (UTF-16BE for UCS-2, UTF-8 for 7-bit
    text unless it says otherwise). ``ValueError`` when a field is missing or the text is
    binary (8-bit) or cannot be decoded.
    """
    # latin-1 keeps each url-encoded byte as one character, so the text's bytes come back whole.
    fields = dict(parse_qsl(query, keep_blank_values=True, encoding="latin-1", errors="strict"))
    try:
        sender, receiver, raw = fields["sender"], fields["receiver"], fields["text"].encode("latin-1")
    except KeyError:
        raise ValueError("an inbound message needs sender, receiver and text") from None
    coding = fields.get("coding", "0")
    if coding == "1":
        raise ValueError("an inbound message in 8-bit data is not text")
    charset = fields.get("charset") or ("UTF-16BE" if coding == "2" else "UTF-8")
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise ValueError("the inbound text cannot be decoded") from None
    return Inbound(sender=sender, receiver=receiver, text=text, kannel_id=fields.get("id", ""))
