"""Webhook receivers for tests, all on 127.0.0.1 in threads.

``webhook_server`` is a well-behaved receiver (http.server) that checks every request both ways:
the first release's ``X-Ugly-Mugs-Signature`` with our own ``webhook.verify``, and the Standard
Webhooks headers with the ``standardwebhooks`` reference library, an implementation that is not
ours. The others misbehave on purpose, for the poisoned-destination tests: ``trickling_server``
answers one byte at a time for ever, ``banner_server`` answers with something that is not HTTP
(an SSH banner), ``silent_server`` accepts and never says anything; each counts the connections
it was given, so a test can also prove that nothing connected.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from alerts.delivery.channels import webhook


def standard_verified(secret: str, body: bytes, headers) -> bool:
    """What a receiver using the Standard Webhooks library sees (the key as the library takes it)."""
    key = webhook.signing_key(secret)
    try:
        Webhook(key).verify(body, {k: v for k, v in headers.items()})
    except WebhookVerificationError:
        return False
    return True


class Receiver:
    def __init__(self, secret: str, statuses: list[int] | None = None, status: int = 204):
        self.secret = secret
        # The status to answer each request with, in turn; ``status`` once they run out.
        self.statuses = list(statuses or [])
        self.status = status
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.status

    @property
    def message_ids(self) -> list[str]:
        with self.lock:
            return [r["json"]["message_id"] for r in self.requests]


def self_signed_certificate(address: str, directory: Path) -> tuple[Path, Path]:
    """A certificate for the IP ``address`` (its own CA, valid for an hour) and its key, as PEM
    files in ``directory``: (certificate, key). Give the certificate to the worker as its
    ``UGLY_MUGS_WEBHOOK_CA_FILE`` and both to ``webhook_server``'s ``tls``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "webhook-cert.pem", directory / "webhook-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextmanager
def webhook_server(receiver: Receiver, host: str = "127.0.0.1", tls: tuple[Path, Path] | None = None):
    """Yields the URL to post to: ``https://`` with ``tls`` (certificate and key files), else ``http://``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            timestamp = self.headers.get(webhook.TIMESTAMP_HEADER, "")
            signed = self.headers.get(webhook.SIGNATURE_HEADER, "")
            record = {
                "path": self.path,
                "host_header": self.headers.get("Host"),
                "body": body,
                "timestamp": timestamp,
                "signature": signed,
                "message_id_header": self.headers.get(webhook.MESSAGE_ID_HEADER),
                "webhook_id": self.headers.get(webhook.ID_HEADER),
                "standard_signature": self.headers.get(webhook.STANDARD_SIGNATURE_HEADER),
                "content_type": self.headers.get("Content-Type"),
                "verified": webhook.verify(receiver.secret, timestamp, body, signed),
                "standard_verified": standard_verified(receiver.secret, body, self.headers),
                "json": json.loads(body),
            }
            with receiver.lock:
                receiver.requests.append(record)
            status = receiver.next_status() if record["verified"] and record["standard_verified"] else 401
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://{host}:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


class _Misbehaving:
    """A TCP server on 127.0.0.1 that hands each connection to ``behave(conn, stop)`` in a thread."""

    def __init__(self, behave):
        self.behave = behave
        self.connections = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            self.behave(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()


@contextmanager
def _misbehaving(behave):
    server = _Misbehaving(behave)
    server.thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.thread.join(timeout=5)
        server.sock.close()


def _trickle(conn, stop):
    """Read the request, then answer one byte every 0.2 s, for ever (until the test ends)."""
    conn.settimeout(0.2)
    with suppress(TimeoutError):
        conn.recv(65536)
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000
    for byte in answer:
        if stop.wait(0.2):
            return
        conn.sendall(bytes([byte]))


def _banner(conn, stop):
    conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    conn.settimeout(0.5)
    with suppress(TimeoutError):
        conn.recv(65536)


def _silent(conn, stop):
    stop.wait(60)


def trickling_server():
    """Yields a server that answers one byte at a time; ``.port``, ``.connections``."""
    return _misbehaving(_trickle)


def banner_server():
    """Yields a server that answers with an SSH banner instead of HTTP."""
    return _misbehaving(_banner)


def silent_server():
    """Yields a server that accepts and never answers."""
    return _misbehaving(_silent)
