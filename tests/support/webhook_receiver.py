"""A webhook receiver for tests: http.server on 127.0.0.1 in a thread, checking every signature."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from alerts.delivery.channels import webhook


class Receiver:
    def __init__(self, secret: str, statuses: list[int] | None = None):
        self.secret = secret
        # The status to answer each request with, in turn; 204 once they run out.
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        self.lock = threading.Lock()

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 204


@contextmanager
def webhook_server(receiver: Receiver):
    """Yields the URL to post to."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            timestamp = self.headers.get(webhook.TIMESTAMP_HEADER, "")
            signed = self.headers.get(webhook.SIGNATURE_HEADER, "")
            record = {
                "path": self.path,
                "body": body,
                "timestamp": timestamp,
                "signature": signed,
                "message_id_header": self.headers.get(webhook.MESSAGE_ID_HEADER),
                "content_type": self.headers.get("Content-Type"),
                "verified": webhook.verify(receiver.secret, timestamp, body, signed),
                "json": json.loads(body),
            }
            with receiver.lock:
                receiver.requests.append(record)
            status = receiver.next_status() if record["verified"] else 401
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
