"""What comes back from the SMS gateway: replies from phones (STOP, HELP) and delivery reports (no Flask).

**Signed endpoints.** The gateway calls ``/sms/inbound/<token>`` and ``/sms/dlr/<token>``; the
token is an HMAC under the inbound key (``UGLY_MUGS_SMS_INBOUND_KEY``, else derived from the
secret key), so nobody who does not hold the gateway's configuration can post a STOP or a report.
A delivery report names its delivery by a reference the worker signed (``<id>-<mac>``), so a
report cannot be aimed at another delivery either.

**Replies.** The sender's number is read as E.164 and looked up by its blind index only.
``STOP`` (and its usual synonyms, in the five languages) ends her subscription at once, and one
text confirms it to her number (``service._end``), so that a STOP forged with her number as the
sender (anyone can set a sender ID) does not pass unnoticed; ``HELP``
queues the help text for a subscriber (never a text to a number that is not subscribed: an
inbound message can be forged by anyone who can send a text). Anything else is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from ugly_mugs.models import Delivery
from ugly_mugs.subscriptions import contact
from ugly_mugs.subscriptions import service as subs

# First words that stop (operators' conventions, and the five languages' own words).
STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "STOPP",
        "KONIEC",
        "PARAR",
        "PARE",
        "SAIR",
        "СТОП",
        "OPRESTE",
        "OPREȘTE",
    }
)
HELP_WORDS = frozenset({"HELP", "INFO", "POMOC", "AJUTOR", "AJUDA", "ПОМОЩ"})
_STATES = ("delivered", "failed", "pending")


def inbound_key(config: Mapping[str, object]) -> bytes:
    """The key of the inbound endpoints and delivery references (hex setting, else from the secret key)."""
    configured = str(config.get("SMS_INBOUND_KEY") or "").strip()
    if configured:
        return bytes.fromhex(configured)
    return hmac.new(str(config["SECRET_KEY"]).encode("utf-8"), b"ugly-mugs sms inbound v1", hashlib.sha256).digest()


def _mac(key: bytes, what: str, length: int) -> str:
    return hmac.new(key, what.encode("ascii"), hashlib.sha256).hexdigest()[:length]


def endpoint_token(config: Mapping[str, object]) -> str:
    """The secret path segment of the inbound and delivery-report URLs given to the gateway."""
    return _mac(inbound_key(config), "endpoint", 32)


def token_matches(config: Mapping[str, object], token: str) -> bool:
    return isinstance(token, str) and token.isascii() and hmac.compare_digest(endpoint_token(config), token)


def reference(key: bytes, delivery_id: int) -> str:
    """The gateway's reference of a delivery: ``<id>-<16 hex of an HMAC>`` (Kannel's dlr-url takes it as is)."""
    return f"{int(delivery_id)}-{_mac(key, f'delivery|{int(delivery_id)}', 16)}"


def delivery_of(key: bytes, ref: str) -> int | None:
    """The delivery id a signed reference names; None if the reference was not signed by us."""
    head, _, mac = (ref or "").partition("-") if isinstance(ref, str) else ("", "", "")
    # ASCII digits only (str.isdigit also takes "²" and Arabic-Indic digits), and an ASCII MAC:
    # compare_digest refuses other text with a TypeError.
    if not (head.isascii() and head.isdigit() and mac.isascii()) or len(head) > 12:
        return None
    return int(head) if hmac.compare_digest(reference(key, int(head)), f"{head}-{mac}") else None


def record_report(session: Session, delivery_id: int, state: str) -> bool:
    """A delivery report: ``delivered``, ``failed`` or ``pending`` (the gateway's own words mapped by
    ``alerts.delivery.sms.kannel.delivery_state``). A failure reported by the network marks the
    delivery failed (it left us but never reached her phone). False for an unknown delivery."""
    if state not in _STATES:
        raise ValueError("unknown delivery report state")
    values: dict[str, object] = {"handset_state": state}
    if state == "failed":
        values.update(status="failed", last_error="the phone network reported it undelivered")
    changed = session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.subscription_id.is_not(None)).values(**values)
    ).rowcount
    return bool(changed)


def first_word(text: str) -> str:
    words = unicodedata.normalize("NFC", text or "").strip().split()
    return words[0].strip(".!,;:").upper() if words else ""


def handle_reply(session: Session, sender: str, text: str, region: str, limits: subs.Limits) -> str:
    """Act on a text from ``sender``: ``"stopped"``, ``"help"`` or ``"ignored"``. The caller commits."""
    number = None
    # Gateways give the sender as the network does: "+4474…", "4474…" or a national number.
    for candidate in (sender, "+" + sender if (sender or "").isascii() and (sender or "").isdigit() else None):
        try:
            number = contact.parse_number(candidate, region) if candidate else None
        except contact.ContactError:
            continue
        if number is not None:
            break
    if number is None:
        return "ignored"
    _public, key = subs._keys(session)
    index = subs.contact_index(key, number)
    word = first_word(text)
    abroad = contact.region_of(number) != limits.home
    if word in STOP_WORDS:
        subs.stop_by_index(session, index, limits, abroad)
        return "stopped"
    if word in HELP_WORDS:
        return "help" if subs.help_requested(session, index, limits, abroad) else "ignored"
    return "ignored"
