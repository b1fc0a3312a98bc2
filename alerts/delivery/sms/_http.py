"""One HTTP request to a gateway within a total deadline, for the SMS clients of this package.

A socket timeout bounds each read, not the request: a server that trickles its answer a byte
at a time holds a plain client for ever. Here a timer shuts the socket down when the deadline
passes, whatever the request is doing, so a send costs at most ``deadline`` seconds (plus the
time to resolve the host name). The answer is read up to ``MAX_ANSWER`` bytes.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, urlsplit

from alerts.delivery.sms import PermanentGatewayError, TemporaryGatewayError

MAX_ANSWER = 64 * 1024
# Characters a path or query may hold as they are (RFC 3986 reserved and unreserved, and '%').
_SAFE = "/%:@!$&'()*+,;=-._~?"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes


def _target(url: str) -> tuple[str, str, int, str]:
    """Scheme, ASCII host, port and request target of ``url``; ``PermanentGatewayError`` if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise PermanentGatewayError("the gateway URL cannot be read") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PermanentGatewayError("the gateway URL is not an http or https URL with a host")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise PermanentGatewayError("the gateway's host name is not valid") from None
    target = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_SAFE)
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), target


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    deadline: float = 10.0,
    ssl_context: ssl.SSLContext | None = None,
) -> Answer:
    """Send one request and read the answer, all within ``deadline`` seconds.

    Returns the answer whatever its status. Raises ``TemporaryGatewayError`` when no whole
    HTTP answer came in time (refused or broken connection, timeout, an answer that is not
    HTTP) and ``PermanentGatewayError`` when the URL itself cannot be used.
    """
    scheme, host, port, target = _target(url)
    started = time.monotonic()
    if scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=deadline, context=ssl_context or ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=deadline)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to stop
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(deadline, expire)
    timer.daemon = True
    timer.start()
    try:
        conn.connect()
        # Set before this check, so a timer that fires from here on finds the socket to shut.
        if expired.is_set():
            raise TimeoutError
        conn.sock.settimeout(max(deadline - (time.monotonic() - started), 0.001))
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read(MAX_ANSWER)
        if expired.is_set():
            raise TimeoutError
        return Answer(response.status, response.headers, data)
    except (http.client.HTTPException, OSError) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            reason = f"no whole answer from the gateway within {deadline:g} s"
        elif isinstance(exc, ConnectionRefusedError):
            reason = "the gateway refused the connection"
        elif isinstance(exc, ssl.SSLError):
            reason = f"TLS with the gateway failed: {type(exc).__name__}"
        elif isinstance(exc, http.client.HTTPException) and not isinstance(exc, ConnectionError):
            reason = f"the gateway's answer is not HTTP: {type(exc).__name__}"
        else:
            reason = f"connection to the gateway failed: {type(exc).__name__}"
        raise TemporaryGatewayError(reason) from None
    finally:
        timer.cancel()
        conn.close()
