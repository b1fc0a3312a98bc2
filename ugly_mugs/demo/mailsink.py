"""The demo's mail sink: an SMTP server on 127.0.0.1 that accepts every message and writes it to a
directory as an ``.eml`` file (open it with any mail program or a text editor), so that a demo
alert visibly arrives without any mail leaving the machine.

aiosmtpd speaks SMTP (RFC 5321: limits on line and message length, dot-unstuffing); this module
only decides where a received message goes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class MailDirectory:
    """aiosmtpd handler: each message goes to ``directory/<UTC time>.eml``, never over another one.

    ``announce`` is called with a line naming the recipients and the file (never the content).
    """

    def __init__(self, directory: Path, announce: Callable[[str], None]):
        self.directory = directory
        self.announce = announce

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        # Written aside first and then linked in, so a reader never sees half a message and no
        # message ever replaces another.
        part = self.directory / f".{stamp}.part"
        part.write_bytes(raw)
        try:
            for n in range(100):
                path = self.directory / (f"{stamp}.eml" if n == 0 else f"{stamp}-{n}.eml")
                try:
                    os.link(part, path)
                    break
                except FileExistsError:
                    continue
            else:
                return "451 Cannot store the message now"
        finally:
            part.unlink()
        self.announce(f"mail sink: message for {', '.join(envelope.rcpt_tos)} saved as {path}")
        return "250 OK"


def start(directory: Path, port: int, announce: Callable[[str], None]) -> Controller:
    """Serve on ``127.0.0.1:port`` in a thread until ``.stop()`` is called on the result."""
    controller = Controller(MailDirectory(directory, announce), hostname=HOST, port=port)
    controller.start()
    return controller
