"""A real SMTP server for tests and benchmarks: aiosmtpd on 127.0.0.1, keeping what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Sink:
    """Counts (recipient, Message-ID) pairs; keeps whole messages unless ``keep=False``."""

    def __init__(self, keep: bool = True):
        self.keep = keep
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.messages: list = []
        # Answer the next this-many messages with a temporary failure (451), as a busy server does.
        self.refuse_next = 0
        self.refused: list[str] = []
        # One entry per SMTP connection that sent mail (aiosmtpd makes a session per connection).
        self.sessions: set[int] = set()
        # The envelope sender (MAIL FROM) of each message kept.
        self.senders: list[str] = []
        # Recipients refused at RCPT TO with 550, as a server does a mailbox it does not know.
        self.refuse_rcpt: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address in self.refuse_rcpt:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        message_id = _header(raw, b"message-id")
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused.append(message_id)
                return "451 Try again later"
            self.sessions.add(id(session))
            for rcpt in envelope.rcpt_tos:
                self.counts[(rcpt, message_id)] += 1
            if self.keep:
                self.senders.append(envelope.mail_from)
                self.messages.append(
                    (list(envelope.rcpt_tos), message_from_bytes(raw, policy=policy.default), session.ssl is not None)
                )
        return "250 OK"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())

    def received(self, address: str) -> int:
        """How many messages ``address`` was sent."""
        with self.lock:
            return sum(n for (rcpt, _), n in self.counts.items() if rcpt == address)


class HangingSink(Sink):
    """A relay that accepts every connection but never answers ``RCPT TO`` for the domains in
    ``hang`` (as one stuck on a recipient check does); other recipients go through. ``pause``
    seconds (a float) slows every accepted message, so that a fanout takes a while."""

    def __init__(self, hang: set[str] = frozenset(), pause: float = 0.0, keep: bool = False):
        super().__init__(keep=keep)
        self.hang = {d.lower() for d in hang}
        self.pause = pause
        self.hung = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address.rpartition("@")[2].lower() in self.hang:
            with self.lock:
                self.hung += 1
            await asyncio.sleep(3600)  # cancelled when the server stops
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.pause:
            await asyncio.sleep(self.pause)
        return await super().handle_DATA(server, session, envelope)


def _header(raw: bytes, name: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("ascii", "replace")
    return ""


@contextmanager
def smtp_server(sink: Sink | None = None, host: str = HOST, **smtp_options):
    """Run aiosmtpd on a free port of ``host`` (127.0.0.1, or e.g. a test bridge's address);
    yields ``(sink, port)``."""
    sink = sink or Sink()
    port = free_port()
    controller = Controller(sink, hostname=host, port=port, **smtp_options)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
