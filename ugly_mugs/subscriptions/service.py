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
later. A number must be of one of ``SMS_COUNTRIES`` (``contact.check_country``), and a text to a
number outside the home country (``PHONE_REGION``) also counts against the smaller
``SMS_MONTHLY_ABROAD_LIMIT``, so that rotating foreign numbers cannot spend the whole ceiling.
Per-contact sign-ups are limited here too (``SUBSCRIBE_CONTACT_LIMIT`` per window), so one
number cannot be flooded with codes from many clients.

**Erasure.** Stopping a sign-up that was never confirmed deletes the row (its areas and unsent
deliveries go by cascade); so does ``sweep`` for a subscription idle ``SUBSCRIPTION_INACTIVE_DAYS``
or a sign-up whose code lapsed. Stopping an active subscription (a STOP reply, the stop page, the
stop link) deletes its areas and unsent alerts at once and queues one confirmation in her
language ("you will get no more alerts; if this was not you, sign up again"), so that a STOP
forged from her number is noticed; the row, and with it her sealed number, is kept in state
``stopped`` only until the worker has sent that text (``erase_stopped``), or until ``sweep``
the day after. Nothing more is sent to a stopped subscription, and a second STOP sends nothing.
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
from ugly_mugs.models import Area, Delivery, ScheduledJob, Subscription, SubscriptionArea
from ugly_mugs.reports import erasure as report_erasure
from ugly_mugs.subscriptions.contact import EMAIL, SMS, Contact, check_country, region_of

DISPATCH_PUBLIC_KEY = "ugly_mugs.dispatch_public_key"
SUBSCRIBER_KEY = "ugly_mugs.subscriber_key"
CODE_DIGITS = 6
MONTH_SECONDS = 31 * 24 * 3600
NOTICE_CODE = "code"
NOTICE_HELP = "help"
# "You will get no more alerts": sent once when a stop ends an active subscription.
NOTICE_STOPPED = "stopped"
NOTICES = (NOTICE_CODE, NOTICE_HELP, NOTICE_STOPPED)
# A subscription between its stop and the confirmation of the stop leaving the worker.
STOPPED = "stopped"


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
    # The home country (ISO 3166 alpha-2), the countries whose numbers may sign up, and the
    # texts a month (also within ``monthly_texts``) to numbers outside the home country.
    home: str = "GB"
    countries: tuple[str, ...] = ("GB",)
    monthly_abroad: int = 200

    @classmethod
    def of(cls, config: Mapping[str, object]) -> Limits:
        home = str(config.get("PHONE_REGION") or "GB")
        return cls(
            code_minutes=int(config["SUBSCRIPTION_CODE_MINUTES"]),
            code_attempts=int(config["SUBSCRIPTION_CODE_ATTEMPTS"]),
            contact_limit=int(config["SUBSCRIBE_CONTACT_LIMIT"]),
            window_seconds=int(config["SUBSCRIBE_WINDOW_SECONDS"]),
            monthly_texts=int(config["SMS_MONTHLY_LIMIT"]),
            home=home,
            countries=tuple(config.get("SMS_COUNTRIES") or (home,)),
            monthly_abroad=int(config.get("SMS_MONTHLY_ABROAD_LIMIT", 200)),
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


def _count_text(session: Session, limits: Limits, abroad: bool = False) -> None:
    """One more text caused by a sign-up or a reply; ``Refused("cost")`` past the monthly ceiling,
    and for a number ``abroad`` (outside the home country) past the smaller ceiling of those too.

    Every ceiling is looked at before any is counted: a text refused by one spends nothing of
    the other."""
    ceilings = [("sms-month-abroad", limits.monthly_abroad)] if abroad else []
    ceilings.append(("sms-month", limits.monthly_texts))
    if any(limit < 1 for _, limit in ceilings):
        raise Refused("cost", MONTH_SECONDS)
    quotas = [throttle.Quota(name, limit, None, MONTH_SECONDS) for name, limit in ceilings]
    for quota in quotas:
        seconds = quota.refusal(session, "all")
        if seconds is not None:
            raise Refused("cost", seconds)
    for quota in quotas:
        # Another process may have taken the last text in between: then refused all the same.
        seconds = quota.take(session, "all")
        if seconds is not None:
            raise Refused("cost", seconds)


def _abroad(contact: Contact, limits: Limits) -> bool:
    """Whether a number is outside the home country; ``ContactError("country")`` when it is of
    none of the allowed countries (an address is never abroad)."""
    if contact.kind != SMS:
        return False
    return check_country(contact, limits.countries) != limits.home


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
    the areas and language now chosen. Returns True if a code was queued. Raises
    ``contact.ContactError("country")`` for a number of a country not in ``limits.countries``
    (before anything is counted), ``Refused`` (``contact``: this number or address asked too
    often; ``cost``: the monthly ceiling of texts, or of texts abroad), ``SubscriptionsUnavailable``
    without the keys, ``ValueError`` when no known area is chosen. The caller commits.
    """
    public, key = _keys(session)
    abroad = _abroad(contact, limits)
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
        # Counted before anything changes: a refused sign-up after a stop leaves the stopped row
        # as it was, to be erased once its confirmation has gone.
        _count_text(session, limits, abroad)
    if sub is not None:
        # A sign-up again after a stop (or a lapsed code): waiting for the new code.
        sub.state = "pending"
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    if sub is None:
        public_id = secrets.token_urlsafe(16)
        sub = Subscription(
            public_id=public_id,
            kind=contact.kind,
            contact_index=index,
            contact_sealed=sealing.seal(public, contact.value.encode("utf-8"), contact_context(public_id)),
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


def _end(session: Session, sub: Subscription | None, limits: Limits, abroad: bool = False) -> bool:
    """Stop ``sub``: an active one loses its areas and unsent messages and gets the confirmation
    (kept ``stopped`` until it is sent); a pending one is erased; a stopped one is left as it is,
    so a second STOP neither sends a second text nor cancels the first. False if there is none.

    A confirmation by text counts against the monthly ceilings (and those abroad for a number
    ``abroad``) like any text the scheme is made to send; past them she is erased at once,
    without one, so that signing up and stopping in turn cannot send uncounted texts."""
    if sub is None:
        return False
    if sub.state == STOPPED:
        return True
    if sub.state != "active":
        _erase(session, sub.id)
        return True
    if sub.kind == SMS:
        try:
            _count_text(session, limits, abroad)
        except Refused:
            _erase(session, sub.id)
            return True
    public, _key = _keys(session)
    session.execute(delete(Delivery).where(Delivery.subscription_id == sub.id))
    session.execute(delete(SubscriptionArea).where(SubscriptionArea.subscription_id == sub.id))
    now = database_now(session)
    sub.state = STOPPED
    sub.code_hash = None
    sub.code_expires_at = None
    sub.last_activity_at = _day(now)
    session.flush()
    _notice(session, public, sub, NOTICE_STOPPED, None, now)
    return True


def stop(session: Session, contact: Contact, limits: Limits) -> bool:
    """Stop the subscription at ``contact`` (see ``_end``); False if there is none."""
    _public, key = _keys(session)
    abroad = contact.kind == SMS and region_of(contact) != limits.home
    return _end(session, _find(session, key, contact), limits, abroad)


def stop_by_index(session: Session, index: str, limits: Limits, abroad: bool) -> bool:
    """Stop the subscription with this blind index (a STOP reply from a number ``abroad`` or
    not); False if there is none."""
    sub = session.scalar(select(Subscription).where(Subscription.contact_index == index))
    return _end(session, sub, limits, abroad)


def stop_by_public_id(session: Session, public_id: str, limits: Limits) -> bool:
    """Stop the subscription a signed stop link names; False if it is already gone. (Its number
    is sealed: a confirmation by text counts against the whole monthly ceiling only.)"""
    sub = session.scalar(select(Subscription).where(Subscription.public_id == public_id))
    return _end(session, sub, limits)


def erase_stopped(conn, subscription_ids: Sequence[int]) -> int:
    """Erase those of ``subscription_ids`` that are stopped (their confirmation has left, or was
    given up): row, areas and deliveries. For the worker, in its own transaction on ``conn`` (a
    ``Connection`` or ``Session``); returns how many. One signed up again meanwhile is kept."""
    if not subscription_ids:
        return 0
    # The state is tested in the DELETE itself, which waits for a sign-up again in progress on
    # the row and then sees it pending: a selection made before would delete her new sign-up.
    gone = list(
        conn.scalars(
            delete(Subscription)
            .where(Subscription.id.in_(list(subscription_ids)), Subscription.state == STOPPED)
            .returning(Subscription.id)
        )
    )
    if gone:
        # Also by ON DELETE CASCADE; said here for databases whose connection does not enforce it.
        conn.execute(delete(Delivery).where(Delivery.subscription_id.in_(gone)))
        conn.execute(delete(SubscriptionArea).where(SubscriptionArea.subscription_id.in_(gone)))
        # Gone from the files too, by the scheduled purge (as ``_erase`` asks after its commit).
        conn.execute(
            update(ScheduledJob).where(ScheduledJob.name == report_erasure.PURGE_JOB).values(due_at=database_now(conn))
        )
    return len(gone)


def help_requested(session: Session, index: str, limits: Limits, abroad: bool = False) -> bool:
    """Queue the help text for the active subscriber with this index; False for anyone else (we
    never text a number that is not subscribed). Counts against the monthly ceiling, and for a
    number ``abroad`` (outside the home country) against the ceiling of texts abroad too."""
    public, _key = _keys(session)
    sub = session.scalar(
        select(Subscription).where(Subscription.contact_index == index, Subscription.state == "active")
    )
    if sub is None:
        return False
    try:
        _count_text(session, limits, abroad)
    except Refused:
        return False
    now = database_now(session)
    sub.last_activity_at = _day(now)
    _notice(session, public, sub, NOTICE_HELP, None, now)
    return True


def sweep(session: Session, inactive_days: int, now: datetime | None = None) -> int:
    """Erase subscriptions idle ``inactive_days``, sign-ups whose code lapsed a day ago and stops
    whose confirmation did not go within a day; returns how many."""
    now = now or database_now(session)
    stale = select(Subscription.id).where(
        (Subscription.last_activity_at < _day(now) - timedelta(days=inactive_days))
        | (
            Subscription.state.in_(("pending", STOPPED))
            & (Subscription.last_activity_at < _day(now) - timedelta(days=1))
        )
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
