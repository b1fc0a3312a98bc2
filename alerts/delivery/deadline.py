"""A total deadline for one network exchange, whatever it is doing when the time runs out.

A socket timeout bounds each read, not the exchange: a server that trickles its answer one
byte at a time, or an SMTP server that accepts and then says nothing between commands, holds
a plain client for ever. ``Deadline`` shuts the watched sockets down when the time is up, which
wakes any blocked read or write at once with an error; the caller then reports the deadline
(``expired``) as the reason. No Flask here.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class Deadline:
    """``with Deadline(seconds) as d:`` … ``d.watch(sock)`` for each socket the exchange opens.

    ``remaining()`` gives what is left (for connect timeouts); ``expired`` says whether the
    deadline passed (then the error the exchange raised was caused by it)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._expired = threading.Event()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._timer.cancel()

    @property
    def expired(self) -> bool:
        return self._expired.is_set() or time.monotonic() >= self._ends

    def remaining(self, floor: float = 0.001) -> float:
        """Seconds left (at least ``floor``, so it can be a socket timeout)."""
        return max(self._ends - time.monotonic(), floor)

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has)."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
        sock.settimeout(self.remaining())
        if self._expired.is_set():
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            sock.shutdown(socket.SHUT_RDWR)

    def _expire(self) -> None:
        self._expired.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)
