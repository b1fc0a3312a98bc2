"""A commercial SMS gateway's HTTP API: one JSON POST per message, authorised by a bearer token.

The request is modelled on the batch-sending APIs of commercial gateways (Sinch's XMS
``POST /xms/v1/{service_plan_id}/batches`` is this shape): ``Authorization: Bearer <token>``
and a JSON body

    {"from": "<sender>", "to": ["<E.164>"], "body": "<text>", "type": "mt_text",
     "client_reference": "<our reference>", "delivery_report": "per_recipient" | "none",
     "callback_url": "<our endpoint>"}

answered by 2xx and a JSON object whose ``id`` names the message at the gateway. The gateway
chooses the alphabet and cuts the segments itself; ``Accepted`` reports what
``alerts.delivery.sms.segments`` counts for the same text.

Retry or not, by the answer: 2xx accepted; 408, 429 (with ``Retry-After`` kept on the error)
and 5xx are temporary; 401 and 403 (a wrong or revoked token) and any other 4xx are
permanent; a redirect is not followed (the body would go to another address) and is permanent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from alerts.delivery.sms import Accepted, PermanentGatewayError, TemporaryGatewayError, check_number, segments
from alerts.delivery.sms._http import request

MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class ProviderSettings:
    url: str  # the full sending URL, e.g. https://eu.sms.api.example/xms/v1/<plan>/batches
    token: str
    sender: str
    callback_url: str | None = None  # our endpoint for delivery reports; None asks for none
    deadline: float = 10.0  # seconds for the whole request


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from an HTTP ``Retry-After`` (RFC 9110 10.2.3: seconds or a date), capped at an hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class ProviderGateway:
    """Sends one text per request to the provider; see ``send``."""

    def __init__(self, settings: ProviderSettings):
        self.settings = settings

    def payload(self, to: str, text: str, reference: str) -> dict:
        s = self.settings
        body = {
            "from": s.sender,
            "to": [to],
            "body": text,
            "type": "mt_text",
            "client_reference": reference,
            "delivery_report": "per_recipient" if s.callback_url else "none",
        }
        if s.callback_url:
            body["callback_url"] = s.callback_url
        return body

    def send(self, to: str, text: str, reference: str) -> Accepted:
        """Hand ``text`` for ``to`` (E.164) to the provider; ``reference`` comes back in its reports.

        Returns what was accepted, with the provider's id when its answer names one. Raises
        ``TemporaryGatewayError`` or ``PermanentGatewayError`` (see the module's docstring).
        """
        check_number(to)
        cut = segments.split(text)
        s = self.settings
        answer = request(
            "POST",
            s.url,
            headers={
                "Authorization": f"Bearer {s.token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "User-Agent": "ugly-mugs-sms/1",
            },
            body=json.dumps(self.payload(to, text, reference), ensure_ascii=False).encode("utf-8"),
            deadline=s.deadline,
        )
        status = answer.status
        if 200 <= status < 300:
            return Accepted(encoding=cut.encoding, segments=cut.segments, gateway_id=_id(answer.body))
        if status == 429:
            raise TemporaryGatewayError(
                "the provider asked us to slow down (HTTP 429)", retry_after(answer.headers.get("Retry-After"))
            )
        if status == 408 or status >= 500:
            raise TemporaryGatewayError(
                f"the provider answered HTTP {status}", retry_after(answer.headers.get("Retry-After"))
            )
        if status in (401, 403):
            raise PermanentGatewayError(f"the provider refused our token (HTTP {status})")
        raise PermanentGatewayError(f"the provider refused the request (HTTP {status})")


def _id(body: bytes) -> str | None:
    """The ``id`` of a JSON answer, or None when there is none (the message was still taken)."""
    try:
        value = json.loads(body.decode("utf-8")).get("id")
    except (ValueError, AttributeError):
        return None
    return str(value)[:128] if isinstance(value, str | int) and str(value) else None
