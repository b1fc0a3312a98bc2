"""Text messages to individual subscribers (no Flask): segments, rendering and two gateways.

- ``segments``: GSM-7 or UCS-2, and how many segments a text takes;
- ``text``: a published alert as one or two segments in the subscriber's language;
- ``kannel``: Kannel's HTTP ``sendsms`` interface, its delivery reports and inbound messages;
- ``provider``: a commercial gateway's JSON API with a bearer token.

A gateway raises ``TemporaryGatewayError`` when the same send may succeed later (a timeout, a
refused connection, HTTP 5xx or 429) and ``PermanentGatewayError`` when it never will as it is
(the gateway refused the login or the request). Both carry a ``reason`` safe to store and show:
never the number, never the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alerts.delivery.channels.base import DeliveryFailed
from alerts.delivery.sms.segments import Encoding

# E.164 (ITU-T E.164): '+', a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class GatewayError(DeliveryFailed):
    """The gateway did not accept the message; ``retryable`` says whether to try again (and
    ``DeliveryFailed.permanent``, which the dispatch worker reads, is its opposite)."""

    retryable = True

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason, permanent=not self.retryable)
        # Seconds the gateway asked us to wait (HTTP ``Retry-After``), when it said so.
        self.retry_after = retry_after


class TemporaryGatewayError(GatewayError):
    """Worth retrying: the gateway was unreachable, slow, overloaded or failing inside."""

    retryable = True


class PermanentGatewayError(GatewayError):
    """Not worth retrying unchanged: the gateway refused our login or this request."""

    retryable = False


@dataclass(frozen=True)
class Accepted:
    """What a gateway took: the alphabet and segments sent, and its own id when it gives one."""

    encoding: Encoding
    segments: int
    gateway_id: str | None


def check_number(to: str) -> None:
    """``PermanentGatewayError`` unless ``to`` is an E.164 number (the reason never quotes it)."""
    if not isinstance(to, str) or not _E164.match(to):
        raise PermanentGatewayError("the number is not in international E.164 form")
