"""Subscriptions: sign up, verify the code, stop, the inactivity sweep, the counts staff see (no Flask).

**What is stored.** Her number or address only sealed to the dispatch public key (context
``subscription-contact|<public id>``), so the web app, the database and its backups cannot read
it; a blind index under the subscriber key (``UGLY_MUGS_SUBSCRIBER_KEY``) finds a duplicate
sign-up, a STOP reply or the page's stop form; the verification code only as a keyed hash. Both
keys come from ``Session.info`` (``session_info``), like the matching and delivery keys.

**Sending goes through the outbox.** A code, a help text or an alert is a ``Delivery`` row to
the subscription (a notice's text sealed to the dispatch key), sent by the dispatch worker, the
only process that can open her number. Nothing but the code is sent before she has entered it.

**Cost.** Every text a sign-up or a help request causes counts against ``SMS_MONTHLY_LIMIT``
(a shared throttle counter over 31 days); past it, no code goes out and the page says to try
later. Per-contact sign-ups are limited here too (``SUBSCRIBE_CONTACT_LIMIT`` per window), so
one number cannot be flooded with codes from many clients.

**Erasure.** Stopping deletes the row (its areas and unsent deliveries go by cascade); so does
``sweep`` for a subscription idle ``SUBSCRIPTION_INACTIVE_DAYS`` or a sign-up whose code lapsed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ugly_mugs import throttle
from ugly_mugs.crypto import aead, macs, sealing
from ugly_mugs.db import database_now
from ugly_mugs.models import Area, Delivery, Subscription, SubscriptionArea
from ugly_mugs.reports import erasure as report_erasure
from ugly_mugs.subscriptions.contact import EMAIL, SMS, Contact

DISPATCH_PUBLIC_KEY = "ugly_mugs.dispatch_public_key"
SUBSCRIBER_KEY = "ugly_mugs.subscriber_key"
CODE_DIGITS = 6
MONTH_SECONDS = 31 * 24 * 3600
NOTICE_CODE = "code"
NOTICE_HELP = "help"
NOTICES = (NOTICE_CODE, NOTICE_HELP)


def session_info(dispatch_public_key: bytes | None, subscriber_key: bytes | None) -> dict:
    """What every database session carries for subscriptions: the two keys the web app holds."""
    return {DISPATCH_PUBLIC_KEY: dispatch_public_key, SUBSCRIBER_KEY: subscriber_key}


class SubscriptionsUnavailable(RuntimeError):
    """The dispatch public key or the subscriber key is not configured: nothing is stored."""


class Refused(Exception):
    """A limit refused this sign-up; ``what`` is ``contact`` or ``cost``, ``seconds`` how long to wait."""

    def __init__(self, what: str, seconds: int):
        super().__init__(what)
        self.what = what
        self.seconds = seconds


@dataclass(frozen=True)
class Limits:
    code_minutes: int = 30
    code_attempts: int = 5
    contact_limit: int = 3
    window_seconds: int = 3600
    monthly_texts: int = 2000

    @classmethod
    def of(cls, config: Mapping[str, object]) -> Limits:
        return cls(
            code_minutes=int(config["SUBSCRIPTION_CODE_MINUTES"]),
            code_attempts=int(config["SUBSCRIPTION_CODE_ATTEMPTS"]),
            contact_limit=int(config["SUBSCRIBE_CONTACT_LIMIT"]),
            window_seconds=int(config["SUBSCRIBE_WINDOW_SECONDS"]),
            monthly_texts=int(config["SMS_MONTHLY_LIMIT"]),
        )


def _keys(session: Session) -> tuple[bytes, bytes]:
    public, key = session.info.get(DISPATCH_PUBLIC_KEY), session.info.get(SUBSCRIBER_KEY)
    if not public or not key:
        raise SubscriptionsUnavailable("UGLY_MUGS_DISPATCH_PUBLIC_KEY and UGLY_MUGS_SUBSCRIBER_KEY are needed")
    return public, key


def contact_index(subscriber_key: bytes, contact: Contact) -> str:
    """The blind index of a number or address: HMAC-SHA256 under a key of its own per kind."""
    return macs.tag(macs.subkey(subscriber_key, f"subscriber index {contact.kind} v1"), contact.value.encode("utf-8"))


def _code_hash(subscriber_key: bytes, public_id: str, code: str) -> str:
    return macs.tag(macs.subkey(subscriber_key, "subscription code v1"), f"{public_id}|{code}".encode("ascii"))


def contact_context(public_id: str) -> bytes:
    """Where a sealed number or address belongs (the seal's context)."""
    return f"subscription-contact|{public_id}".encode("ascii")


def payload_context(public_id: str, notice: str) -> bytes:
    return f"subscription-notice|{public_id}|{notice}".encode("ascii")


def _day(now: datetime) -> datetime:
    """Activity is kept to the day."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _find(session: Session, subscriber_key: bytes, contact: Contact) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(Subscription.contact_index == contact_index(subscriber_key, contact))
    )


def _count_text(session: Session, limits: Limits) -> None:
    """One more text caused by a sign-up or a reply; ``Refused("cost")`` past the monthly ceiling."""
    if limits.monthly_texts < 1:
        raise Refused("cost", MONTH_SECONDS)
    quota = throttle.Quota("sms-month", limits.monthly_texts, None, MONTH_SECONDS)
    seconds = quota.take(session, "all")
    if seconds is not None:
        raise Refused("cost", seconds)


def _notice(session: Session, public: bytes, sub: Subscription, notice: str, payload: str | None, now: datetime):
    session.add(
        Delivery(
            subscription_id=sub.id,
            notice=notice,
            payload_sealed=(
                sealing.seal(public, payload.encode("utf-8"), payload_context(sub.public_id, notice))
                if payload is not None
                else None
            ),
            kind=sub.kind,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
    )


def area_ids(session: Session, codes: Sequence[str]) -> list[int]:
    """The ids of the active areas named by ``codes`` (unknown codes are dropped)."""
    return list(session.scalars(select(Area.id).where(Area.code.in_(list(codes)), Area.active).order_by(Area.id)))


def sign_up(session: Session, contact: Contact, areas: Sequence[str], language: str, limits: Limits) -> bool:
    """Ask for alerts for ``areas`` (codes) in ``language`` at ``contact``: a code is sent through the outbox.

    A number or address already subscribed is left as it is (no code is sent, so nobody can change
    or pause another's subscription by typing her number); a pending sign-up gets a new code and
    the areas and language now chosen. Returns True if a code was queued. Raises ``Refused``
    (``contact``: this number or address asked too often; ``cost``: the monthly ceiling of texts),
    ``SubscriptionsUnavailable`` without the keys, ``ValueError`` when no known area is chosen.
    The caller commits.
    """
    public, key = _keys(session)
    ids = area_ids(session, areas)
    if not ids:
        raise ValueError("choose at least one area")
    index = contact_index(key, contact)
    # Counted under a key of its own, so the throttle's rows never hold the blind index itself.
    counter = macs.tag(macs.subkey(key, "subscriber throttle v1"), contact.value.encode("utf-8"))
    seconds = throttle.Quota("subscribe-contact", limits.contact_limit, None, limits.window_seconds).take(
        session, counter
    )
    if seconds is not None:
        raise Refused("contact", seconds)
    now = database_now(session)
    sub = session.scalar(select(Subscription).where(Subscription.contact_index == index))
    if sub is not None and sub.state == "active":
        return False
    if contact.kind == SMS:
        _count_text(session, limits)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    if sub is None:
        public_id = secrets.token_urlsafe(16)
        sub = Subscription(
            public_id=public_id,
            kind=contact.kind,
            contact_index=index,
            contact_sealed=sealing.seal(public, contact.value.encode("utf-8"), contact_context(public_id)),
            contact_hint=contact.hint,
            state="pending",
            code_attempts=0,
        )
        session.add(sub)
    sub.language = language
    sub.code_hash = _code_hash(key, sub.public_id, code)
    sub.code_expires_at = now + timedelta(minutes=limits.code_minutes)
    sub.code_attempts = 0
    sub.last_activity_at = _day(now)
    session.flush()
    session.execute(delete(SubscriptionArea).where(SubscriptionArea.subscription_id == sub.id))
    session.add_all(SubscriptionArea(subscription_id=sub.id, area_id=i) for i in ids)
    # An unsent code from before is replaced, not sent as well.
    session.execute(
        delete(Delivery).where(
            Delivery.subscription_id == sub.id, Delivery.notice == NOTICE_CODE, Delivery.status == "pending"
        )
    )
    _notice(session, public, sub, NOTICE_CODE, code, now)
    return True


def verify(session: Session, contact: Contact, code: str, limits: Limits) -> bool:
    """Whether ``code`` is the live code of the pending sign-up at ``contact``; if so it becomes active.

    A wrong code counts; after ``code_attempts`` wrong ones, or once it expired, the code is void
    and she signs up again. False for an unknown or already active contact (the same answer, so
    the page tells nobody who is subscribed). The caller commits.
    """
    _public, key = _keys(session)
    sub = _find(session, key, contact)
    if sub is None or sub.state != "pending" or sub.code_hash is None:
        return False
    now = database_now(session)
    typed = "".join(ch for ch in (code or "") if ch in "0123456789")[:CODE_DIGITS]
    live = sub.code_expires_at is not None and sub.code_expires_at > now and sub.code_attempts < limits.code_attempts
    if live and macs.matches(
        macs.subkey(key, "subscription code v1"), f"{sub.public_id}|{typed}".encode(), sub.code_hash
    ):
        sub.state = "active"
        sub.code_hash = None
        sub.code_expires_at = None
        sub.code_attempts = 0
        sub.last_activity_at = _day(now)
        return True
    sub.code_attempts += 1
    if sub.code_attempts >= limits.code_attempts:
        sub.code_hash = None
    return False


def _erase(session: Session, sub_id: int) -> None:
    # Deleting the row takes its areas and unsent deliveries (ON DELETE CASCADE); on SQLite the
    # session's foreign keys are on (ugly_mugs.db), and they are deleted here too in case not.
    session.execute(delete(Delivery).where(Delivery.subscription_id == sub_id))
    session.execute(delete(SubscriptionArea).where(SubscriptionArea.subscription_id == sub_id))
    session.execute(delete(Subscription).where(Subscription.id == sub_id))
    # Gone from the files too, not only from the table (as an erased report).
    report_erasure.purge_after_commit(session)


def stop(session: Session, contact: Contact) -> bool:
    """Erase the subscription at ``contact`` (row, areas, unsent messages); False if there is none."""
    _public, key = _keys(session)
    sub = _find(session, key, contact)
    if sub is None:
        return False
    _erase(session, sub.id)
    return True


def stop_by_index(session: Session, index: str) -> bool:
    """Erase the subscription with this blind index (a STOP reply, found by the worker's index)."""
    sub_id = session.scalar(select(Subscription.id).where(Subscription.contact_index == index))
    if sub_id is None:
        return False
    _erase(session, sub_id)
    return True


def stop_by_public_id(session: Session, public_id: str) -> bool:
    """Erase the subscription a signed stop link names; False if it is already gone."""
    sub_id = session.scalar(select(Subscription.id).where(Subscription.public_id == public_id))
    if sub_id is None:
        return False
    _erase(session, sub_id)
    return True


def help_requested(session: Session, index: str, limits: Limits) -> bool:
    """Queue the help text for the active subscriber with this index; False for anyone else (we
    never text a number that is not subscribed). Counts against the monthly ceiling."""
    public, _key = _keys(session)
    sub = session.scalar(
        select(Subscription).where(Subscription.contact_index == index, Subscription.state == "active")
    )
    if sub is None:
        return False
    try:
        _count_text(session, limits)
    except Refused:
        return False
    now = database_now(session)
    sub.last_activity_at = _day(now)
    _notice(session, public, sub, NOTICE_HELP, None, now)
    return True


def sweep(session: Session, inactive_days: int, now: datetime | None = None) -> int:
    """Erase subscriptions idle ``inactive_days`` and sign-ups whose code lapsed a day ago; returns how many."""
    now = now or database_now(session)
    stale = select(Subscription.id).where(
        (Subscription.last_activity_at < _day(now) - timedelta(days=inactive_days))
        | ((Subscription.state == "pending") & (Subscription.last_activity_at < _day(now) - timedelta(days=1)))
    )
    ids = list(session.scalars(stale))
    for sub_id in ids:
        _erase(session, sub_id)
    return len(ids)


def touch(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Record activity (an alert sent to them) on subscriptions ``ids``, to the day."""
    if ids:
        session.execute(update(Subscription).where(Subscription.id.in_(list(ids))).values(last_activity_at=_day(now)))


@dataclass(frozen=True)
class Count:
    area: str
    kind: str
    active: int
    pending: int


def counts(session: Session) -> list[Count]:
    """Subscribers per area and channel (active and waiting for their code); never a number or address."""
    rows = session.execute(
        select(Area.name, Subscription.kind, Subscription.state, func.count())
        .join(SubscriptionArea, SubscriptionArea.area_id == Area.id)
        .join(Subscription, Subscription.id == SubscriptionArea.subscription_id)
        .group_by(Area.name, Subscription.kind, Subscription.state)
    ).all()
    table: dict[tuple[str, str], dict[str, int]] = {}
    for area, kind, state, n in rows:
        table.setdefault((area, kind), {"active": 0, "pending": 0})[state] = n
    return [Count(a, k, v["active"], v["pending"]) for (a, k), v in sorted(table.items())]


__all__ = ["EMAIL", "SMS", "Count", "Limits", "Refused", "SubscriptionsUnavailable"]


@dataclass(frozen=True)
class ShownMessage:
    reference: str
    kind: str
    severity: str
    title: str
    body: str
    areas: str
    published_at: datetime


def alert_thread(session: Session, message_id: int) -> list[ShownMessage] | None:
    """The published message a link names and every message of its alert, oldest first (the
    update or withdrawal shows beside it); None when there is no such message. Only published
    text, as every channel shows it: never a draft, never a report."""
    from ugly_mugs.models import Alert, AlertMessage

    first = session.get(AlertMessage, message_id)
    if first is None:
        return None
    reference = session.scalar(select(Alert.reference).where(Alert.id == first.alert_id)) or ""
    rows = session.scalars(
        select(AlertMessage).where(AlertMessage.alert_id == first.alert_id).order_by(AlertMessage.sequence)
    )
    return [ShownMessage(reference, m.kind, m.severity, m.title, m.body, m.areas, m.published_at) for m in rows]


# --- the worker's side: opening what was sealed to the dispatch key ----------------------


class SealUnavailable(Exception):
    """A subscriber's number, address or notice does not open with this worker's dispatch key."""


@lru_cache(maxsize=4)
def _pair(private: bytes) -> sealing.KeyPair:
    return sealing.key_pair_from_private(private)


def open_contact(private: bytes | None, public_id: str, sealed: bytes) -> str:
    """Her number or address, opened with the dispatch private key (the worker only); ``SealUnavailable``."""
    return _open(private, sealed, contact_context(public_id))


def open_payload(private: bytes | None, public_id: str, notice: str, sealed: bytes) -> str:
    """A notice's text (her code), opened with the dispatch private key; ``SealUnavailable``."""
    return _open(private, sealed, payload_context(public_id, notice))


def _open(private: bytes | None, sealed: bytes, context: bytes) -> str:
    if not private:
        raise SealUnavailable("this worker holds no dispatch key (UGLY_MUGS_DISPATCH_PRIVATE_KEY_FILE)")
    try:
        return sealing.unseal(_pair(bytes(private)), bytes(sealed), context).decode("utf-8")
    except (aead.DecryptionError, ValueError, UnicodeDecodeError):
        raise SealUnavailable("the subscriber's seal does not open with this worker's dispatch key") from None
