"""An SMS gateway's HTTP API for tests: http.server on 127.0.0.1 in a thread, answering as told.

Each request takes the next behaviour from ``Provider.behaviours`` (then ``Reply(201)`` with a
JSON id once they run out):

- ``Reply(status, body, headers)``: an ordinary answer;
- ``"hang"``: read the request and never answer;
- ``"trickle"``: answer one byte at a time, never finishing the headers;
- ``"banner"``: answer with something that is not HTTP (an SSH banner) and close.

Hanging and trickling handlers stop when the server does, so no thread outlives a test.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Provider:
    def __init__(self, behaviours: list | None = None):
        self.behaviours = list(behaviours or [])
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.counter = 0

    def next_behaviour(self):
        with self.lock:
            self.counter += 1
            if self.behaviours:
                return self.behaviours.pop(0)
            return Reply(
                201, json.dumps({"id": f"batch-{self.counter}"}).encode(), {"Content-Type": "application/json"}
            )


@contextmanager
def provider_server(provider: Provider):
    """Yields the base URL (``http://127.0.0.1:<port>``)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with provider.lock:
                provider.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
                )

        def do_POST(self):  # noqa: N802 - http.server's hook name
            self._record()
            behaviour = provider.next_behaviour()
            if behaviour == "hang":
                provider.released.wait(30)
                self.close_connection = True
                return
            if behaviour == "trickle":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while not provider.released.wait(0.05):
                    try:
                        self.wfile.write(b"X")
                        self.wfile.flush()
                    except OSError:
                        break
                self.close_connection = True
                return
            if behaviour == "banner":
                self.wfile.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
                self.close_connection = True
                return
            self.send_response(behaviour.status)
            for name, value in behaviour.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(behaviour.body)))
            self.end_headers()
            self.wfile.write(behaviour.body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        provider.released.set()
        server.shutdown()
        server.server_close()
