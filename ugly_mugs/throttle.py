"""Shared throttles: rate limits that hold in total across every process and host.

Counters live in one store that every app process sees: Redis when ``UGLY_MUGS_REDIS_URL`` is
set (the ``limits`` library's Redis storage: atomic Lua increments, keys that expire by
themselves), otherwise the project's own database (``throttle_window``, one row per counter,
through ``DatabaseStorage`` below, written in the caller's transaction). The strategy is the
``limits`` library's fixed window: a counter starts at its first hit and lapses ``window``
seconds later.

Clients are never recorded: a per-client counter is keyed by an HMAC of the client address
under a key every process shares (derived from the secret key, or configured apart), so the
store holds at most a window's worth of keyed hashes and nothing that names an address
without that key. Callers pass the hash from ``client_key``; the address itself stays in the
request. No Flask imports.

Four shapes of limit use this: ``Quota`` (at most so many per client and overall, e.g. report
filing and number checks), ``GuessLimit`` (wrong guesses of a secret such as a receipt code,
where the overall count only makes guessing dearer and never refuses anyone), and the
per-name counters and flags of login throttling (``global_fail``, ``window_failures``,
``set_flag``, ``flag_active``, ``clear``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import bindparam, case, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ugly_mugs import db
from ugly_mugs.models import ThrottleWindow

# Session.info key of the shared store when it is not the database (set by ``session_info``).
STORAGE = "ugly_mugs.throttle_storage"
# Flags (a login lockout) are kept this long at most; ``flag_active`` asks for less.
FLAG_SECONDS = 24 * 3600
_CLIENT_KEY_LABEL = b"ugly-mugs throttle client address v1"


class StoreUnavailable(RuntimeError):
    """The shared store (Redis) did not answer; the caller decides whether to fail open or closed."""


# --- clients -------------------------------------------------------------------------------


def client_hash_key(secret_key: str, configured: str | None = None) -> bytes:
    """The HMAC key for client addresses: ``configured`` (hex, 32+ bytes) if given, else derived
    from the secret key, so that every process and host hashes an address alike.

    Raises ValueError for a configured key that is not 32+ bytes of hexadecimal."""
    if configured:
        key = bytes.fromhex(configured.strip())
        if len(key) < 32:
            raise ValueError("the throttle key must be at least 32 bytes (64 hexadecimal digits)")
        return key
    return hmac.new(secret_key.encode(), _CLIENT_KEY_LABEL, hashlib.sha256).digest()


# An IPv6 client counts by its /64: one subscriber usually holds a whole /64 (RFC 6177), so
# counting each address would give one person 2**64 budgets.
IPV6_CLIENT_PREFIX = 64


def client_address(address: str) -> str:
    """What one client is, for the limits: an IPv4 address as it is, an IPv6 address as its /64
    network (an IPv4-mapped one as its IPv4 address); anything else as given."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def client_key(key: bytes, address: str) -> str:
    """The keyed hash (32 hex digits) that stands for a client (``client_address``) in every counter."""
    return hmac.new(key, client_address(address).encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


# --- stores --------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


class DatabaseStorage(Storage):
    """A ``limits`` storage on the ``throttle_window`` table, inside the given session's
    transaction (the caller commits, so a refusal and the failure it counts go together).

    Increments are one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (PostgreSQL and SQLite
    3.35+), so concurrent processes never lose a hit; a lapsed counter restarts in the same
    statement. Times come from this host's clock, like the ``limits`` memory storage."""

    STORAGE_SCHEME = None

    def __init__(self, session: Session):
        super().__init__(None)
        self.session = session
        # Windows read by ``read_ahead``: key -> (hits, expires_at), or None when not live.
        self._read: dict[str, tuple[int, datetime] | None] = {}

    def read_ahead(self, keys: list[str]) -> None:
        """Read the windows of ``keys`` in one statement for the ``get`` and ``get_expiry`` calls
        that follow (a quota's two counters are asked about together on every filing); an
        ``incr``, ``clear`` or ``reset`` makes the next read of a key go to the database."""
        now = _now()
        rows = self.session.execute(_live_windows(), {"names": sorted(set(keys)), "now": now})
        self._read = dict.fromkeys(keys) | {row.name: (row.hits, row.expires_at) for row in rows}

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._read.pop(key, None)
        now = _now()
        values = {"name": key, "at": now, "until": now + timedelta(seconds=expiry), "amount": amount}
        statement = _increment(self.session.get_bind().dialect.name)
        return int(self.session.execute(statement, values).scalar_one())

    def _live(self, key: str) -> tuple[int, datetime] | None:
        """(hits, expires_at) of ``key``'s window if it has not lapsed, else None."""
        if key in self._read:
            return self._read[key]
        row = self.session.execute(_live_window(), {"name": key, "now": _now()}).first()
        return (row.hits, row.expires_at) if row else None

    def get(self, key: str) -> int:
        row = self._live(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return (row[1] if row else _now()).timestamp()

    def check(self) -> bool:
        return self.session.scalar(select(func.count()).select_from(ThrottleWindow)) is not None

    def reset(self) -> int | None:
        self._read = {}
        return self.session.execute(delete(ThrottleWindow)).rowcount

    def clear(self, key: str) -> None:
        self._read.pop(key, None)
        self.session.execute(delete(ThrottleWindow).where(ThrottleWindow.name == key))


@functools.cache
def _live_window():
    """Hits and end of the window bound as ``name`` if it ends after ``now`` (built once: every
    filing asks)."""
    return select(ThrottleWindow.hits, ThrottleWindow.expires_at).where(
        ThrottleWindow.name == bindparam("name"), ThrottleWindow.expires_at > bindparam("now")
    )


@functools.cache
def _live_windows():
    """Names, hits and ends of the windows named in ``names`` that end after ``now``."""
    return select(ThrottleWindow.name, ThrottleWindow.hits, ThrottleWindow.expires_at).where(
        ThrottleWindow.name.in_(bindparam("names", expanding=True)), ThrottleWindow.expires_at > bindparam("now")
    )


@functools.cache
def _increment(dialect_name: str):
    """The increment statement of ``DatabaseStorage.incr`` for a dialect, built once (every
    filing runs it): bound ``name``, ``at`` (now), ``until`` (the window's end) and ``amount``."""
    table = ThrottleWindow.__table__
    at = bindparam("at", type_=table.c.window_start.type)
    until = bindparam("until", type_=table.c.expires_at.type)
    amount = bindparam("amount", type_=table.c.hits.type)
    lapsed = table.c.expires_at <= at
    return (
        db.upsert_insert(dialect_name, table)
        .values(name=bindparam("name", type_=table.c.name.type), window_start=at, expires_at=until, hits=amount)
        .on_conflict_do_update(
            index_elements=[table.c.name],
            set_={
                "hits": case((lapsed, amount), else_=table.c.hits + amount),
                "window_start": case((lapsed, at), else_=table.c.window_start),
                "expires_at": case((lapsed, until), else_=table.c.expires_at),
            },
        )
        .returning(table.c.hits)
    )


def shared_storage(redis_url: str | None, prefix: str = "ugly-mugs") -> Storage | None:
    """The Redis store for ``redis_url`` (errors wrapped as ``limits.errors.StorageError``), or
    None when none is configured and the database is the store."""
    if not redis_url:
        return None
    return RedisStorage(redis_url, key_prefix=prefix, wrap_exceptions=True, socket_timeout=2, socket_connect_timeout=2)


def session_info(redis_url: str | None, prefix: str = "ugly-mugs") -> dict:
    """What ``make_sessionmaker`` puts in every ``Session.info`` so that ``storage`` finds the store."""
    return {STORAGE: shared_storage(redis_url, prefix)}


def storage(session: Session) -> Storage:
    """The shared store for ``session``: the configured Redis, or the session's database."""
    shared = session.info.get(STORAGE)
    return shared if shared is not None else DatabaseStorage(session)


def _guarded(call):
    try:
        return call()
    except StorageError as exc:
        raise StoreUnavailable(str(exc.storage_error.__class__.__name__)) from exc


def _item(amount: int, window: int, namespace: str) -> RateLimitItemPerSecond:
    return RateLimitItemPerSecond(max(int(amount), 0), max(int(window), 1), namespace=namespace)


def _seconds_left(store: Storage, key: str, window: int) -> int:
    """Whole seconds until ``key``'s window ends: 1 to ``window`` (Redis keeps expiry by its own
    clock, which may be a moment ahead of this process's: never more than the window itself)."""
    return min(max(int(window), 1), max(1, math.ceil(store.get_expiry(key) - _now().timestamp())))


# --- limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """At most ``per_client`` from one client and ``overall`` from everyone (None: no overall
    limit) in ``window`` seconds. Every call to ``take`` is one use (a filing, a check)."""

    name: str
    per_client: int
    overall: int | None
    window: int

    def _answer(self, session: Session, client: str, count: bool) -> int | None:
        store = storage(session)
        limiter = FixedWindowRateLimiter(store)
        # ``hit`` counts and answers; ``test`` only answers (reads, so no write lock is taken).
        ask = limiter.hit if count else limiter.test
        mine = _item(self.per_client, self.window, f"{self.name}-client")
        everyone = None if self.overall is None else _item(self.overall, self.window, f"{self.name}-all")
        if not count and isinstance(store, DatabaseStorage):
            store.read_ahead([mine.key_for(client)] + ([everyone.key_for()] if everyone else []))

        def decide() -> int | None:
            if not ask(mine, client):
                return _seconds_left(store, mine.key_for(client), self.window)
            if everyone is not None and not ask(everyone):
                return _seconds_left(store, everyone.key_for(), self.window)
            return None

        return _guarded(decide)

    def refusal(self, session: Session, client: str) -> int | None:
        """What ``take`` would answer now, counting nothing: None if ``client`` may use it, else
        the seconds until it may. Raises StoreUnavailable if Redis does not answer."""
        return self._answer(session, client, count=False)

    def take(self, session: Session, client: str) -> int | None:
        """Count one use by ``client``; None if allowed, else the seconds until it may try again.
        Raises StoreUnavailable if Redis does not answer."""
        return self._answer(session, client, count=True)


@dataclass(frozen=True)
class GuessLimit:
    """Wrong guesses of a secret (a receipt code): each client may make ``per_client`` in
    ``window`` seconds, then waits for the window to end.

    The overall count of wrong guesses never refuses anyone: when it passes ``overall`` (many
    addresses guessing at once), each wrong guess costs more, so that a client has only
    ``per_client_under_load`` before it must wait. A client with no wrong guesses of its own is
    never refused, and a right secret is always looked at before the overall count matters
    (the caller checks the secret first and counts only wrong ones)."""

    name: str
    per_client: int
    per_client_under_load: int
    overall: int
    window: int

    def _mine(self) -> RateLimitItemPerSecond:
        return _item(self.per_client, self.window, f"{self.name}-client")

    def _everyone(self) -> RateLimitItemPerSecond:
        return _item(self.overall, self.window, f"{self.name}-all")

    def refusal(self, session: Session, client: str) -> int | None:
        """None if ``client`` may try a secret now, else the seconds until it may.

        Raises StoreUnavailable if Redis does not answer."""
        store = storage(session)
        mine = self._mine()

        def decide() -> int | None:
            if FixedWindowRateLimiter(store).test(mine, client):
                return None
            return _seconds_left(store, mine.key_for(client), self.window)

        return _guarded(decide)

    def under_load(self, session: Session) -> bool:
        """True while the overall count of wrong guesses is past ``overall`` in its window."""
        store = storage(session)
        return _guarded(lambda: not FixedWindowRateLimiter(store).test(self._everyone()))

    def wrong(self, session: Session, client: str) -> None:
        """Count one wrong guess by ``client`` (dearer while under load). Raises StoreUnavailable."""
        store = storage(session)
        limiter = FixedWindowRateLimiter(store)

        def count() -> None:
            loaded = not limiter.hit(self._everyone())
            cost = math.ceil(self.per_client / max(self.per_client_under_load, 1)) if loaded else 1
            limiter.hit(self._mine(), client, cost=cost)

        _guarded(count)


# --- named counters and flags (login throttling) ----------------------------------------------


def global_fail(session: Session, name: str, window_seconds: int) -> None:
    """Count one failure under ``name`` in a window of ``window_seconds`` (the caller commits)."""
    store = storage(session)
    _guarded(lambda: store.incr(name, window_seconds))


def window_failures(session: Session, name: str, window_seconds: int) -> int:
    """Failures counted under ``name`` in its current window (0 once it lapsed)."""
    store = storage(session)
    return _guarded(lambda: store.get(name))


def set_flag(session: Session, name: str) -> None:
    """Mark ``name`` from now on (a lockout) for up to ``FLAG_SECONDS``."""
    store = storage(session)

    def mark() -> None:
        store.clear(name)
        store.incr(name, FLAG_SECONDS)

    _guarded(mark)


def flag_active(session: Session, name: str, seconds: int) -> bool:
    """True if ``name`` was marked less than ``seconds`` ago."""
    store = storage(session)

    def since() -> float | None:
        if store.get(name) <= 0:
            return None
        return store.get_expiry(name) - FLAG_SECONDS

    marked = _guarded(since)
    return marked is not None and _now().timestamp() - marked < seconds


def clear(session: Session, *names: str) -> None:
    store = storage(session)

    def drop() -> None:
        for name in names:
            store.clear(name)

    _guarded(drop)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the database's counters lapsed by ``now`` (Redis drops its own); returns how many
    went. Run by retention (``ops.retention``)."""
    return session.execute(delete(ThrottleWindow).where(ThrottleWindow.expires_at <= (now or _now()))).rowcount
