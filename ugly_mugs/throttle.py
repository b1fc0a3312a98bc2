"""Throttling wrong receipt codes without recording who tried them.

Two limits apply together. Per client: a counter in this process's memory, keyed by an
HMAC of the client address under a random key that exists only in memory, so no address
is ever stored, logged or recoverable. Across all clients and workers: one counter per
time window in the database, so that guessing from many addresses at once is capped too.
With 100-bit receipt codes either limit alone makes guessing hopeless.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs.models import ThrottleWindow


class ClientCounter:
    """Failures per client per window, held in memory under keyed hashes."""

    def __init__(self, limit: int, window_seconds: int):
        self.limit = limit
        self.window = window_seconds
        self._key = os.urandom(32)
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def _slot(self, client: str) -> str:
        return hmac.new(self._key, client.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    def _window(self) -> int:
        return int(time.time()) // self.window

    def blocked(self, client: str) -> bool:
        with self._lock:
            window, count = self._counts.get(self._slot(client), (0, 0))
            return window == self._window() and count >= self.limit

    def fail(self, client: str) -> None:
        now = self._window()
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == now}
            slot = self._slot(client)
            window, count = self._counts.get(slot, (now, 0))
            self._counts[slot] = (now, count + 1 if window == now else 1)


def _window_start(window_seconds: int) -> datetime:
    return datetime.fromtimestamp(int(time.time()) // window_seconds * window_seconds, UTC)


def global_blocked(session: Session, name: str, limit: int, window_seconds: int) -> bool:
    failures = session.scalar(
        select(ThrottleWindow.failures).where(
            ThrottleWindow.name == name,
            ThrottleWindow.window_start == _window_start(window_seconds),
        )
    )
    return (failures or 0) >= limit


def global_fail(session: Session, name: str, window_seconds: int) -> None:
    """Count one failure in the current window (the caller commits); old windows are dropped."""
    start = _window_start(window_seconds)
    session.execute(
        ThrottleWindow.__table__.delete().where(ThrottleWindow.name == name, ThrottleWindow.window_start < start)
    )
    updated = session.execute(
        ThrottleWindow.__table__.update()
        .where(ThrottleWindow.name == name, ThrottleWindow.window_start == start)
        .values(failures=ThrottleWindow.failures + 1)
    ).rowcount
    if not updated:
        try:
            with session.begin_nested():
                session.add(ThrottleWindow(name=name, window_start=start, failures=1))
        except IntegrityError:
            session.execute(
                ThrottleWindow.__table__.update()
                .where(ThrottleWindow.name == name, ThrottleWindow.window_start == start)
                .values(failures=ThrottleWindow.failures + 1)
            )


def window_failures(session: Session, name: str, window_seconds: int) -> int:
    failures = session.scalar(
        select(ThrottleWindow.failures).where(
            ThrottleWindow.name == name, ThrottleWindow.window_start == _window_start(window_seconds)
        )
    )
    return failures or 0


def set_flag(session: Session, name: str) -> None:
    """Mark ``name`` from now on (a lockout); ``flag_since`` tells when."""
    session.execute(ThrottleWindow.__table__.delete().where(ThrottleWindow.name == name))
    session.add(ThrottleWindow(name=name, window_start=datetime.now(UTC).replace(microsecond=0), failures=1))
    session.flush()


def flag_active(session: Session, name: str, seconds: int) -> bool:
    since = session.scalar(select(ThrottleWindow.window_start).where(ThrottleWindow.name == name))
    return since is not None and (datetime.now(UTC) - since).total_seconds() < seconds


def clear(session: Session, *names: str) -> None:
    session.execute(ThrottleWindow.__table__.delete().where(ThrottleWindow.name.in_(names)))
