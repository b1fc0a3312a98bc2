"""The dispatch worker: claims due deliveries from the outbox, sends them, marks each one done.

**Claiming.** A claim leases a small batch (``batch_size``) and commits before anything is
sent; lease times are reckoned from the database's clock, so hosts whose clocks disagree still
agree on when a lease ends. On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED``, so
several workers on several hosts take disjoint rows and share the work; on SQLite one worker
claims with a single ``UPDATE``. The worker claims again whenever fewer than a batch are
waiting, so a slow destination never holds up the next claim.

**Sending.** Deliveries are sorted into lanes by destination (a webhook's origin, an email's
domain: ``Channel.destination``). A lane sends its deliveries one after another; up to
``concurrency`` lanes send at once, each thread with its own transports (its own SMTP
connection). A destination that stalls therefore costs one slot, for at most its channel's
deadline per attempt, and never delays the others. Where a channel can carry several
deliveries of one message in one wording at once (``Channel.max_group``: email sends up to
``UGLY_MUGS_SMTP_MAX_RECIPIENTS`` recipients in one SMTP transaction), a lane takes that many
from its queue and hands them over together (``send_group``); the channel says which of them
went.

**Isolation.** Whatever one delivery raises — a channel's ``DeliveryFailed``, or any other
exception while rendering or sending — is recorded on that delivery (tries, the reason or the
exception's class name, the next try) and the worker goes on. A failure backs off its
destination on its own (``DeliveryFailed.scope``; a relay that cannot be reached backs off the
whole channel): its other deliveries are put back, untried and uncounted, until the
destination's own retry time, instead of each spending a deadline.

**Marking.** What one send did is marked in one short transaction right after it (one
``UPDATE`` for the deliveries that went, one per failure), so a worker killed at any moment
leaves at most what it was sending unmarked (one send per lane: one message, or one SMTP
transaction's recipients): those are sent again once their lease expires (with the same
Message-ID, which receivers and mail clients drop as a duplicate), and nothing is lost. A
failure is retried after an exponentially growing delay; after ``max_attempts`` the delivery
is ``failed`` and waits on the failed-deliveries page.

**Outages.** When the database cannot be reached the worker keeps running: it waits with a
growing pause (up to ``db_retry_max_seconds``) and tries again, and a lane holding a mark
keeps trying to write it, so what was sent meanwhile is recorded, not sent twice.

**Health.** The worker writes a heartbeat row (``dispatch_worker``) every
``heartbeat_seconds``.

Logs say how many were sent and which delivery ids failed, never an address or a message.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import channels, health, render
from alerts.delivery.channels import DeliveryFailed, Outgoing, Subscriber, Transports
from alerts.delivery.wording import wording
from ugly_mugs.db import database_now, set_local
from ugly_mugs.keys import channel_secrets
from ugly_mugs.models import Alert, AlertMessage, Delivery, DispatchWorker, Project, ProjectChannel, Subscription
from ugly_mugs.models.base import utcnow
from ugly_mugs.subscriptions import inbound as subscriber_inbound
from ugly_mugs.subscriptions import links as subscriber_links
from ugly_mugs.subscriptions import service as subscriber_service

log = logging.getLogger("alerts.delivery.dispatch")

# What the database raises when it cannot be reached or the connection broke.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_down(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_DOWN) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


@dataclass(frozen=True)
class SubscriberLinks:
    """What the worker needs to write a subscriber's links: this site's address, the secret key
    that signs the alert and stop links, how long an alert link works, the key of gateway references."""

    public_url: str
    secret_key: str = field(repr=False)
    link_days: int
    reference_key: bytes = field(repr=False)


@dataclass(frozen=True)
class DispatchSettings:
    # Each registered channel's own settings, by kind (what its ``configure`` returned).
    channels: Mapping[str, Any]
    max_attempts: int = 8
    retry_seconds: float = 60.0
    max_retry_seconds: float = 6 * 3600.0
    # Longer than a lane takes to send what it holds, or another worker may send its tail again.
    lease_seconds: float = 300.0
    # Claimed at once; large enough to fill several sends of ``Channel.max_group`` per claim.
    batch_size: int = 200
    # Destinations sent to at once (threads).
    concurrency: int = 8
    # Opens the channels' signing secrets (ugly_mugs/keys/channel_secrets.py).
    delivery_key: bytes | None = field(default=None, repr=False)
    # Opens subscribers' numbers and addresses and their notices (the dispatch private key), and
    # makes the links in what they are sent (ugly_mugs/subscriptions/links.py, inbound.py).
    dispatch_key: bytes | None = field(default=None, repr=False)
    links: SubscriberLinks | None = None
    # The channel kind that sends a subscription's delivery, by the subscription's kind, where they
    # differ (a text goes through the SMS gateway in use: ``channels.subscription_channels``).
    subscription_channels: Mapping[str, str] = field(default_factory=dict)
    heartbeat_seconds: float = 5.0
    db_retry_max_seconds: float = 30.0

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: retry_seconds, doubling, capped."""
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(0, attempts - 1), self.max_retry_seconds))


@dataclass
class Tally:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    # Put back untried because their destination is backing off, or given back unsent.
    deferred: int = 0

    def add(self, other: Tally) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.deferred += other.deferred


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    kind: str
    attempts: int
    channel_id: int
    target: str
    secret_sealed: bytes | None
    usable: bool
    language: str
    message: render.Published | None
    # The lane: "<kind>:<destination>".
    destination: str
    # When (time.monotonic) to give the delivery back unsent rather than risk the lease.
    give_up_at: float
    # Why the job could not even be prepared (a broken row); None when it could.
    broken: str | None = None
    # Deliveries with the same key may go in one send: (kind, message id, language).
    group: tuple[str, str, str] | None = None
    # A delivery to an individual subscriber: her notice or links (``target`` is her opened contact).
    subscriber: Subscriber | None = None
    subscription_id: int | None = None

    @property
    def ends_subscription(self) -> bool:
        """The confirmation of a stop: once it is sent (or given up), her subscription is erased."""
        return self.subscriber is not None and self.subscriber.notice == subscriber_service.NOTICE_STOPPED


class _Breakers:
    """Per-destination (and per-channel) backoff: after a failure, nothing more is tried there
    until its wait is over; a success clears it. In this process only."""

    def __init__(self, settings: DispatchSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._open: dict[str, tuple[float, int]] = {}

    @staticmethod
    def keys(job: _Job) -> tuple[str, str]:
        return job.destination, f"{job.kind}:*"

    def wait(self, job: _Job) -> float:
        """Seconds ``job`` must wait for its destination (0: it may go now).

        A delivery tried before goes at its own retry time whatever its destination's state
        (it is the probe that finds the destination back); only untried ones wait for it."""
        if job.attempts > 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            return max([0.0] + [self._open[k][0] - now for k in self.keys(job) if k in self._open])

    def failed(self, key: str) -> None:
        with self._lock:
            failures = self._open.get(key, (0.0, 0))[1] + 1
            wait = self.settings.backoff(failures).total_seconds()
            if wait > 0:
                self._open[key] = (time.monotonic() + wait, failures)

    def succeeded(self, job: _Job) -> None:
        with self._lock:
            for key in self.keys(job):
                self._open.pop(key, None)


# How far down its queue a lane looks for deliveries to add to a send.
_GROUP_LOOKAHEAD = 4


class _Lanes:
    """The jobs in hand, one queue per destination, and the threads that send them.

    A lane takes the first job of its queue and, up to ``limit(job)``, the next ones with the
    same ``group`` key and a different target, and hands them to ``deliver`` together."""

    def __init__(self, concurrency: int, deliver: Callable[[list[_Job]], None], limit: Callable[[_Job], int]):
        self._deliver = deliver
        self._limit = limit
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dispatch")
        self._changed = threading.Condition()
        self._queues: dict[str, deque[_Job]] = {}
        self._running: set[str] = set()
        self.waiting = 0
        self.in_hand = 0

    def add(self, jobs: list[_Job]) -> None:
        with self._changed:
            for job in jobs:
                self._queues.setdefault(job.destination, deque()).append(job)
                self.waiting += 1
                self.in_hand += 1
                if job.destination not in self._running:
                    self._running.add(job.destination)
                    self._pool.submit(self._lane, job.destination)

    def _lane(self, destination: str) -> None:
        while True:
            with self._changed:
                queue = self._queues.get(destination)
                if not queue:
                    self._queues.pop(destination, None)
                    self._running.discard(destination)
                    self._changed.notify_all()
                    return
                jobs = self._take(queue)
                self.waiting -= len(jobs)
            try:
                self._deliver(jobs)
            except BaseException:  # noqa: BLE001 - a lane must go on whatever one delivery did
                log.exception("deliveries %s: unexpected error in the worker", [j.delivery_id for j in jobs])
            finally:
                with self._changed:
                    self.in_hand -= len(jobs)
                    self._changed.notify_all()

    def _take(self, queue: deque[_Job]) -> list[_Job]:
        """The next send of a lane (under the lock): its first job and those that may go with it."""
        first = queue.popleft()
        limit = self._limit(first) if first.group is not None else 1
        jobs = [first]
        if limit <= 1:
            return jobs
        targets = {first.target}
        skipped: list[_Job] = []
        looked = 0
        while queue and len(jobs) < limit and looked < _GROUP_LOOKAHEAD * limit:
            job = queue.popleft()
            looked += 1
            # One address twice in one transaction could reach its mailbox once: it goes in the next.
            if job.group == first.group and job.target not in targets:
                jobs.append(job)
                targets.add(job.target)
            else:
                skipped.append(job)
        queue.extendleft(reversed(skipped))
        return jobs

    def idle(self) -> bool:
        with self._changed:
            return self.in_hand == 0

    def wait(self, timeout: float) -> None:
        """Until a job is done or ``timeout`` seconds pass."""
        with self._changed:
            if self.in_hand:
                self._changed.wait(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


@dataclass
class Dispatcher:
    sessions: sessionmaker[Session]
    settings: DispatchSettings
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}")
    stopping: bool = False

    def __post_init__(self) -> None:
        self._breakers = _Breakers(self.settings)
        self._tally_lock = threading.Lock()
        self._outcomes: Counter[str] = Counter()
        self._local = threading.local()
        self._transports: list[Transports] = []
        self._transports_lock = threading.Lock()
        self._lanes: _Lanes | None = None
        # The database clock minus this host's, measured at each claim (seconds).
        self._skew = 0.0
        self._started_at: datetime | None = None
        self._last_beat = 0.0
        self._handled = 0

    @property
    def _engine(self):
        return self.sessions.kw["bind"]

    def _now(self) -> datetime:
        """The database's clock, as last measured against this host's."""
        return utcnow() + timedelta(seconds=self._skew)

    # --- claiming -------------------------------------------------------------------------

    def _due(self, now: datetime):
        return (
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            or_(Delivery.leased_until.is_(None), Delivery.leased_until < now),
        )

    def claim(self, session: Session, commit: bool = True) -> list[int]:
        """Lease up to ``batch_size`` due deliveries to this worker (and commit the lease, unless
        the caller commits it together with more)."""
        now = database_now(session)
        self._skew = (now - utcnow()).total_seconds()
        until = now + timedelta(seconds=self.settings.lease_seconds)
        due = (
            select(Delivery.id)
            .where(*self._due(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(self.settings.batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            ids = list(session.scalars(due.with_for_update(skip_locked=True)))
            if ids:
                session.execute(
                    update(Delivery).where(Delivery.id.in_(ids)).values(leased_by=self.worker_id, leased_until=until)
                )
        else:
            # One statement takes SQLite's write lock, so the rows it leases are nobody else's.
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(due.scalar_subquery()))
                .values(leased_by=self.worker_id, leased_until=until)
                .execution_options(synchronize_session=False)
            )
            ids = list(
                session.scalars(
                    select(Delivery.id).where(
                        Delivery.leased_by == self.worker_id,
                        Delivery.leased_until == until,
                        Delivery.status == "pending",
                    )
                )
            )
        if commit:
            session.commit()
        return sorted(ids)

    def _destination(self, kind: str, target: str) -> str:
        try:
            return f"{kind}:{channels.get(kind).destination(target)}"
        except Exception:  # noqa: BLE001 - an unknown kind or an odd target still gets a lane of its own
            return f"{kind}:?"

    def _jobs(self, session: Session, ids: list[int], give_up_at: float) -> list[_Job]:
        rows = session.execute(
            select(Delivery, ProjectChannel, Project, AlertMessage, Alert.reference)
            .join(ProjectChannel, ProjectChannel.id == Delivery.channel_id)
            .join(Project, Project.id == Delivery.project_id)
            .join(AlertMessage, AlertMessage.id == Delivery.message_id)
            .join(Alert, Alert.id == AlertMessage.alert_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()
        messages: dict[int, render.Published] = {}
        jobs = []
        for delivery, channel, project, message, reference in rows:
            broken = None
            try:
                if message.id not in messages:
                    messages[message.id] = render.Published.of(message, reference)
            except Exception as exc:  # noqa: BLE001 - one broken message must not stop the claim
                broken = f"the message could not be prepared: {type(exc).__name__}"
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    kind=delivery.kind,
                    attempts=delivery.attempts,
                    channel_id=channel.id,
                    target=channel.target,
                    secret_sealed=channel.secret_sealed,
                    usable=channel.active and project.active,
                    language=project.language,
                    message=messages.get(message.id),
                    destination=self._destination(delivery.kind, channel.target),
                    give_up_at=give_up_at,
                    broken=broken,
                    group=(delivery.kind, message.message_id, project.language) if broken is None else None,
                )
            )
        return jobs + self._subscriber_jobs(session, ids, give_up_at)

    def _subscriber_jobs(self, session: Session, ids: list[int], give_up_at: float) -> list[_Job]:
        """The claimed deliveries to individual subscribers: her number or address opened with
        the dispatch private key (held in memory for the send only), her links written."""
        rows = session.execute(
            select(Delivery, Subscription)
            .join(Subscription, Subscription.id == Delivery.subscription_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()
        if not rows:
            return []
        message_ids = {d.message_id for d, _s in rows if d.message_id is not None}
        messages: dict[int, render.Published] = {}
        if message_ids:
            for message, reference in session.execute(
                select(AlertMessage, Alert.reference)
                .join(Alert, Alert.id == AlertMessage.alert_id)
                .where(AlertMessage.id.in_(message_ids))
            ):
                try:
                    messages[message.id] = render.Published.of(message, reference)
                except Exception as exc:  # noqa: BLE001 - a broken message fails its deliveries, not the claim
                    log.warning("message %s could not be prepared: %s", message.id, type(exc).__name__)
        private = self.settings.dispatch_key
        links = self.settings.links
        now = self._now()
        jobs = []
        for delivery, sub in rows:
            broken = None
            target, payload, part = "", None, None
            kind = self.settings.subscription_channels.get(delivery.kind, delivery.kind)
            try:
                if links is None:
                    raise LookupError("this worker has no secret key to sign a subscriber's links")
                target = subscriber_service.open_contact(private, sub.public_id, sub.contact_sealed)
                if delivery.payload_sealed is not None:
                    payload = subscriber_service.open_payload(
                        private, sub.public_id, delivery.notice or "", delivery.payload_sealed
                    )
                if delivery.message_id is not None and delivery.message_id not in messages:
                    raise LookupError("the message could not be prepared")
                alert_link = (
                    f"{links.public_url}/a/"
                    + subscriber_links.alert_token(links.secret_key, delivery.message_id, now, links.link_days)
                    if delivery.message_id is not None
                    else None
                )
                part = Subscriber(
                    notice=delivery.notice,
                    payload=payload,
                    alert_link=alert_link,
                    stop_url=f"{links.public_url}/alerts/stop/"
                    + subscriber_links.stop_token(links.secret_key, sub.public_id),
                    help_url=f"{links.public_url}/alerts/stop",
                    reference=subscriber_inbound.reference(links.reference_key, delivery.id),
                    subscribe_url=f"{links.public_url}/alerts/subscribe",
                )
            except (LookupError, subscriber_service.SealUnavailable) as exc:
                broken = str(exc)
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    kind=kind,
                    attempts=delivery.attempts,
                    channel_id=0,
                    target=target,
                    secret_sealed=None,
                    usable=sub.state == "active" or delivery.notice is not None,
                    language=sub.language,
                    message=messages.get(delivery.message_id) if delivery.message_id is not None else None,
                    destination=self._destination(kind, target) if target else f"{kind}:?",
                    give_up_at=give_up_at,
                    broken=broken,
                    group=None,
                    subscriber=part,
                    subscription_id=sub.id,
                )
            )
        return jobs

    def _claim_into(self, lanes: _Lanes, tally: Tally) -> int:
        """Claim one batch and hand it to the lanes (deliveries to a destination that is backing
        off are put back at once); returns how many were claimed."""
        give_up_at = time.monotonic() + self.settings.lease_seconds / 2
        with self.sessions() as session:
            # The lease is committed only with the jobs read: a claim the database breaks off
            # half-way leaves no row leased to jobs this worker does not hold.
            ids = self.claim(session, commit=False)
            jobs = self._jobs(session, ids, give_up_at) if ids else []
            session.commit()
            if not ids:
                return 0
        tally.claimed += len(ids)
        ready, waiting = [], []
        for job in jobs:
            (waiting if self._breakers.wait(job) > 0 else ready).append(job)
        if waiting:
            self._defer_all(waiting)
        log.info(
            "batch of %s claimed: %s to send, %s waiting for their destination", len(ids), len(ready), len(waiting)
        )
        lanes.add(ready)
        return len(ids)

    # --- marking --------------------------------------------------------------------------

    def _mine(self, delivery_id: int):
        table = Delivery.__table__
        return update(table).where(table.c.id == delivery_id, table.c.leased_by == self.worker_id)

    def _write(self, what: str, apply: Callable[[Connection], None]) -> bool:
        """Run ``apply`` in one short transaction; while the database is unreachable, keep trying
        with a growing pause (a mark records a send that happened). False if it was given up
        (the worker is stopping, or the statement itself failed): the lease then runs out and
        the delivery is sent again."""
        pause = 0.2
        tries = 0
        while True:
            tries += 1
            try:
                with self._engine.begin() as conn:
                    # A mark is visible to other workers at once either way; not waiting for the
                    # disk only means that if PostgreSQL itself crashes, the last fraction of a
                    # second of marks is lost and those messages are sent again (duplicates, never
                    # losses). Per transaction (SET LOCAL), so that behind a pooler no other
                    # client inherits it.
                    set_local(conn, "synchronous_commit", "off")
                    apply(conn)
                return True
            except Exception as exc:  # noqa: BLE001 - whatever it is, the worker goes on
                if not database_down(exc):
                    log.error("%s: could not be written (%s)", what, type(exc).__name__)
                    return False
                if self.stopping and tries >= 3:
                    log.warning("%s: database unavailable while stopping; left to its lease", what)
                    return False
                log.warning("%s: database unavailable (%s); trying again", what, type(exc).__name__)
                time.sleep(pause)
                pause = min(pause * 2, self.settings.db_retry_max_seconds)

    def _count(self, outcome: str, n: int = 1) -> None:
        with self._tally_lock:
            self._outcomes[outcome] += n
            self._handled += n

    def _mark(self, delivered: list[_Job], failures: list[tuple[_Job, str, bool]]) -> None:
        """Record one send in one transaction: one ``UPDATE`` for every delivery in ``delivered``
        (each held under this worker's lease, so its tries are counted in SQL), and one per
        ``(job, reason, final)`` in ``failures`` (retried after a backoff, or failed for good)."""
        table = Delivery.__table__
        now = self._now()
        rows = []
        for job, reason, final in failures:
            attempts = job.attempts + 1
            final = final or attempts >= self.settings.max_attempts
            rows.append(
                (
                    job,
                    final,
                    dict(
                        status="failed" if final else "pending",
                        attempts=attempts,
                        next_attempt_at=now + self.settings.backoff(attempts),
                        leased_by=None,
                        leased_until=None,
                        last_error=reason[:500],
                    ),
                )
            )
        ids = [job.delivery_id for job in delivered]
        # Stops confirmed (or whose confirmation is given up): her row and sealed number go now.
        ended = [job.subscription_id for job in delivered if job.ends_subscription] + [
            job.subscription_id for job, final, _values in rows if final and job.ends_subscription
        ]

        def apply(conn: Connection) -> None:
            if ids:
                conn.execute(
                    update(table)
                    .where(table.c.id.in_(ids), table.c.leased_by == self.worker_id)
                    .values(
                        status="delivered",
                        delivered_at=now,
                        attempts=table.c.attempts + 1,
                        leased_by=None,
                        leased_until=None,
                        last_error=None,
                    )
                )
            for job, _final, values in rows:
                conn.execute(self._mine(job.delivery_id).values(**values))
            if ended:
                subscriber_service.erase_stopped(conn, ended)

        what = f"delivery {ids[0]}" if len(ids) == 1 and not rows else f"{len(ids) + len(rows)} deliveries"
        self._write(what, apply)
        for job, final, values in rows:
            log.warning(
                "delivery %s %s after attempt %s: %s",
                job.delivery_id,
                "failed" if final else "will be retried",
                values["attempts"],
                values["last_error"],
            )
        if ids:
            self._count("delivered", len(ids))
        for _job, final, _values in rows:
            self._count("failed" if final else "retrying")

    def _defer_all(self, jobs: list[_Job]) -> None:
        """Put deliveries back untried until their destination's wait is over (no try counted)."""
        table = Delivery.__table__

        def apply(conn: Connection) -> None:
            for job in jobs:
                conn.execute(
                    update(table)
                    .where(table.c.id == job.delivery_id, table.c.leased_by == self.worker_id)
                    .values(
                        next_attempt_at=self._now() + timedelta(seconds=self._breakers.wait(job)),
                        leased_by=None,
                        leased_until=None,
                    )
                )

        self._write(f"{len(jobs)} deliveries put back", apply)
        self._count("deferred", len(jobs))

    def _release(self, jobs: list[_Job]) -> None:
        """Give back leases not worked on, so that another worker need not wait for them to expire."""
        table = Delivery.__table__
        ids = [j.delivery_id for j in jobs]
        self._write(
            f"{len(ids)} deliveries given back",
            lambda c: c.execute(
                update(table)
                .where(table.c.id.in_(ids), table.c.leased_by == self.worker_id)
                .values(leased_by=None, leased_until=None)
            ),
        )
        self._count("deferred", len(ids))

    # --- sending --------------------------------------------------------------------------

    def _thread_transports(self) -> Transports:
        transports = getattr(self._local, "transports", None)
        if transports is None:
            transports = Transports(self.settings.channels)
            self._local.transports = transports
            with self._transports_lock:
                self._transports.append(transports)
        return transports

    def _close_transports(self) -> None:
        """Close every thread's connections; only while no lane runs (they are not shared)."""
        with self._transports_lock:
            for transports in self._transports:
                try:
                    transports.close()
                except Exception:  # noqa: BLE001 - closing a broken connection is best effort
                    log.debug("closing a transport failed", exc_info=True)

    def _outgoing(self, job: _Job) -> Outgoing:
        if job.subscriber is not None:
            return Outgoing(job.delivery_id, job.target, None, job.message, wording(job.language), job.subscriber)
        secret = None
        if job.secret_sealed is not None:
            try:
                secret = channel_secrets.open_secret(self.settings.delivery_key, job.channel_id, job.secret_sealed)
            except channel_secrets.SecretUnavailable:
                raise DeliveryFailed(
                    "the signing secret does not open with this worker's delivery key", scope=channels.SCOPE_DELIVERY
                ) from None
        return Outgoing(job.delivery_id, job.target, secret, job.message, wording(job.language))

    def _send(self, transports: Transports, job: _Job) -> None:
        """Hand one delivery to its channel's transport; ``DeliveryFailed`` when it did not go through."""
        transports[job.kind].send(self._outgoing(job))

    def _send_group(self, transports: Transports, jobs: list[_Job]) -> list[DeliveryFailed | None]:
        """Hand deliveries of one group (two or more) to their transport's ``send_group``: per
        delivery None (it went) or the ``DeliveryFailed`` of its own; ``DeliveryFailed`` raised
        when none went."""
        return list(transports[jobs[0].kind].send_group([self._outgoing(job) for job in jobs]))

    def _group_limit(self, job: _Job) -> int:
        """How many deliveries like ``job`` its channel takes in one send (``Channel.max_group``; 1 if it has none)."""
        try:
            channel = channels.get(job.kind)
            max_group = getattr(channel, "max_group", None)
            return max(1, int(max_group(self.settings.channels[job.kind]))) if max_group else 1
        except Exception:  # noqa: BLE001 - an unknown kind is sent (and fails) on its own
            return 1

    def _deliver(self, jobs: list[_Job]) -> None:
        """Send deliveries of one group (or a single one) and mark them, whatever happens; never raises."""
        if self.stopping or time.monotonic() > min(j.give_up_at for j in jobs):
            self._release(jobs)
            return
        waiting = [j for j in jobs if self._breakers.wait(j) > 0]
        if waiting:
            self._defer_all(waiting)
        ready = [j for j in jobs if j not in waiting]
        failures: list[tuple[_Job, str, bool]] = []
        sendable: list[_Job] = []
        for job in ready:
            if job.broken:
                failures.append((job, job.broken, False))
            elif not job.usable:
                failures.append((job, "channel or project switched off", True))
            else:
                sendable.append(job)
        delivered: list[_Job] = []
        if sendable:
            first = sendable[0]
            try:
                transports = self._thread_transports()
                if len(sendable) == 1:
                    self._send(transports, first)
                    results: list[DeliveryFailed | None] = [None]
                else:
                    results = self._send_group(transports, sendable)
            except DeliveryFailed as exc:
                # The send as a whole failed: every delivery in it is retried (or failed) alike.
                if exc.scope == channels.SCOPE_DESTINATION:
                    self._breakers.failed(first.destination)
                elif exc.scope == channels.SCOPE_CHANNEL:
                    self._breakers.failed(f"{first.kind}:*")
                failures += [(job, exc.reason, exc.permanent) for job in sendable]
            except Exception as exc:  # noqa: BLE001 - no input a project can save may stop the worker
                self._breakers.failed(first.destination)
                failures += [(job, f"unexpected error: {type(exc).__name__}", False) for job in sendable]
            else:
                for job, failure in zip(sendable, results, strict=True):
                    if failure is None:
                        delivered.append(job)
                    else:
                        failures.append((job, failure.reason, failure.permanent))
                if delivered:
                    self._breakers.succeeded(first)
        if delivered or failures:
            self._mark(delivered, failures)

    # --- running --------------------------------------------------------------------------

    def _drive(self, lanes: _Lanes, max_claims: int | None, wait_idle: bool) -> Tally:
        """Claim (up to ``max_claims`` times) while fewer than a batch wait, and hand the jobs to
        the lanes; with ``wait_idle``, return only once every job in hand is done."""
        tally = Tally()
        with self._tally_lock:
            before = Counter(self._outcomes)
        claims = 0
        exhausted = False
        handled_when_exhausted = -1
        while not self.stopping:
            self._beat_if_due()
            if not exhausted and lanes.waiting < self.settings.batch_size:
                claimed = self._claim_into(lanes, tally)
                claims += 1
                if claimed == 0 or (max_claims is not None and claims >= max_claims):
                    exhausted = True
                    handled_when_exhausted = self._handled
                continue
            if exhausted and (not wait_idle or lanes.idle()):
                # What was retried meanwhile may be due already: look once more before returning.
                if wait_idle and max_claims is None and self._handled != handled_when_exhausted:
                    exhausted = False
                    continue
                break
            lanes.wait(0.2)
        if self.stopping or wait_idle:
            while not lanes.idle():
                lanes.wait(0.2)
                self._beat_if_due()
        if lanes.idle():
            self._close_transports()
        with self._tally_lock:
            done = Counter(self._outcomes)
        done.subtract(before)
        tally.delivered, tally.retrying, tally.failed, tally.deferred = (
            done["delivered"],
            done["retrying"],
            done["failed"],
            done["deferred"],
        )
        return tally

    def _lanes_for_run(self) -> _Lanes:
        if self._lanes is None:
            self._lanes = _Lanes(self.settings.concurrency, self._deliver, self._group_limit)
        return self._lanes

    def _finish(self) -> None:
        if self._lanes is not None:
            self._lanes.shutdown()
            self._lanes = None
        self._close_transports()

    def run_batch(self) -> Tally:
        """Claim one batch, send it, and mark each delivery as it goes."""
        try:
            tally = self._drive(self._lanes_for_run(), max_claims=1, wait_idle=True)
        finally:
            self._finish()
        self._log(tally)
        return tally

    def run_once(self) -> Tally:
        """Send everything due now, batch after batch, then return (database errors are raised)."""
        try:
            self._beat()
            tally = self._drive(self._lanes_for_run(), max_claims=None, wait_idle=True)
        finally:
            self._finish()
            self._beat(stopped=True)
        self._log(tally)
        return tally

    def run_forever(self, idle_seconds: float = 2.0, between: Callable[[], None] | None = None) -> Tally:
        """Keep sending; when nothing is due, look again after ``idle_seconds``. Stops on ``stop()``.
        ``between`` is called after every round (the scheduler of retention and purges; it must
        not raise).

        The database going away does not end it: it waits and tries again (see the module)."""
        total = Tally()
        lanes = self._lanes_for_run()
        outage = 0
        try:
            while not self.stopping:
                try:
                    self._beat_if_due()
                    tally = self._drive(lanes, max_claims=None, wait_idle=False)
                except Exception as exc:  # noqa: BLE001 - the worker outlives any one failure
                    outage += 1
                    pause = min(2.0 ** (outage - 1), self.settings.db_retry_max_seconds)
                    if database_down(exc):
                        log.warning("database unavailable (%s); trying again in %.0f s", type(exc).__name__, pause)
                    else:
                        log.exception("unexpected error while claiming; trying again in %.0f s", pause)
                    self._sleep(pause)
                    continue
                if outage:
                    log.info("database available again")
                    outage = 0
                total.add(tally)
                if between is not None:
                    between()
                if tally.claimed:
                    self._log(tally)
                else:
                    self._sleep(idle_seconds)
        finally:
            while not lanes.idle():
                lanes.wait(0.2)
            self._finish()
            self._beat(stopped=True)
        return total

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
            self._beat_if_due()

    def _log(self, tally: Tally) -> None:
        log.info(
            "%s claimed: %s delivered, %s to retry, %s failed, %s put back",
            tally.claimed,
            tally.delivered,
            tally.retrying,
            tally.failed,
            tally.deferred,
        )

    # --- heartbeat ------------------------------------------------------------------------

    def _beat_if_due(self) -> None:
        if time.monotonic() - self._last_beat >= self.settings.heartbeat_seconds:
            self._beat()

    def _beat(self, stopped: bool = False) -> None:
        """Record that this worker is alive (or has stopped); a database outage only skips a beat."""
        self._last_beat = time.monotonic()
        try:
            with self.sessions() as session:
                now = database_now(session)
                self._started_at = self._started_at or now
                values = dict(seen_at=now, handled=self._handled, stopped_at=now if stopped else None)
                changed = session.execute(
                    update(DispatchWorker).where(DispatchWorker.id == self.worker_id).values(**values)
                ).rowcount
                if not changed:
                    session.add(DispatchWorker(id=self.worker_id, started_at=self._started_at, **values))
                    health.forget_old_workers(session, now)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - a missed beat is what the page shows; never fatal
            log.warning("heartbeat not written (%s)", type(exc).__name__)

    def stop(self, *_args) -> None:
        self.stopping = True
