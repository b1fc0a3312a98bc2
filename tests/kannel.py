"""Real Kannel for tests: bearerbox and smsbox from Debian's ``kannel``, and a fake phone network.

The phone network is Kannel's own test client ``fakesmsc`` (Debian's ``kannel-extras``), which
speaks the line protocol of bearerbox's ``fake`` SMSC driver. Bearerbox listens on two fake
SMSC connections:

- ``phone``: one ``fakesmsc`` stays connected for the whole run and writes down every line
  bearerbox sends it — each line one SMS (segment) that would have reached a phone. All
  messages from the sendsms interface go here.
- ``inject``: each ``send_from_phone`` starts a ``fakesmsc`` that sends one message into
  bearerbox, as a phone would, and stops. A fake SMSC connection takes one client at a time,
  and ``fakesmsc`` sends only the messages on its command line, so the recorder cannot also
  inject. ``allowed-smsc-id`` keeps outgoing messages off this connection.

smsbox offers ``sendsms`` on 127.0.0.1 and passes every inbound message, whatever its first
word, to the URL the test gives (``alerts.delivery.sms.kannel.MO_QUERY`` names the fields).

The fake driver writes one line per segment: ``sender receiver text <text>`` (7-bit), ``ucs-2
<url-encoded UTF-16BE>``, ``data <url-encoded>`` (8-bit), or, for a segment of a concatenated
message, ``udh <header> data <bytes>`` — without the alphabet. For those, the alphabet comes
from bearerbox's access log, which records each message it sent with its ``coding``; the
reassembled segments must match that record's receiver and length, or ``sent_messages``
raises. A 7-bit text travels inside Kannel as UTF-8, and that is what the line carries. The
line protocol cannot carry a newline in a single-segment 7-bit message, nor a space in the
sender: ``sent_messages`` refuses a line it cannot read rather than guess.

Nothing here sleeps to wait: start-up polls bearerbox's status page, sends poll the logs, all
with deadlines; ``stop`` ends every process it started within a few seconds.
"""

from __future__ import annotations

import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own bearerbox's status page
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest

from alerts.delivery.sms import kannel as kannel_client
from alerts.delivery.sms import segments
from tests.mailsink import free_port

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
INSTALL_HINT = "make test installs Debian's kannel and kannel-extras"
HOST = "127.0.0.1"
SHORT_CODE = "81234"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def missing() -> str | None:
    """Why Kannel cannot run here, or None when it can."""
    absent = [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not p.is_file()]
    return f"{', '.join(absent)} not installed ({INSTALL_HINT})" if absent else None


def wait_until(condition, timeout: float, what: str, interval: float = 0.02):
    """Poll ``condition`` until it returns something true; ``TimeoutError`` naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g} s")
        time.sleep(interval)


@dataclass(frozen=True)
class PhoneMessage:
    """One message as it reached the fake phone, its segments joined."""

    sender: str
    to: str
    text: str
    coding: str  # "GSM-7", "UCS-2" or "8-bit"
    segments: int


@dataclass
class _Line:
    sender: str
    to: str
    kind: str  # text, ucs-2, data or udh
    data: bytes
    udh: bytes = b""


_LOG_LINE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\d+\] \[\d+\] [A-Z]+: ")
_GOT = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\d+\] \[\d+\] DEBUG: Got message \d+: <(.*)>$")
_PAYLOAD = re.compile(rb"^(?P<sender>.*?) (?P<to>\S+) (?P<kind>text|ucs-2|data|udh) (?P<rest>.*)$", re.S)
_ACCESS = re.compile(
    r"^Sent SMS \[SMSC:(?P<smsc>[^\]]*)\] \[coding:(?P<coding>-?\d+)\] "
    r"\[octets:(?P<octets>\d+)\] \[to:(?P<to>[^\]]*)\]$"
)
CODINGS = {0: "GSM-7", 1: "8-bit", 2: "UCS-2"}


def _url_bytes(text: bytes) -> bytes:
    """Kannel's url-encoding: ``+`` for a space, ``%XX`` for any other byte but letters and digits."""
    return unquote_to_bytes(text.replace(b"+", b"%20"))


def _parse_line(payload: bytes) -> _Line:
    m = _PAYLOAD.match(payload)
    if not m:
        raise ValueError(f"the fake phone got a line it cannot read: {payload[:80]!r}")
    sender, to, kind, rest = (m.group(k) for k in ("sender", "to", "kind", "rest"))
    line = _Line(sender.decode("utf-8"), to.decode("ascii"), kind.decode("ascii"), b"")
    if kind == b"text":
        line.data = rest
    elif kind in (b"ucs-2", b"data"):
        line.data = _url_bytes(rest)
    else:
        udh, _, data = rest.partition(b" data ")
        line.udh, line.data = _url_bytes(udh), _url_bytes(data)
    return line


def _concatenation(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, sequence) from a user data header's concatenation element (TS 23.040 9.2.3.24.1)."""
    i, end = 1, 1 + udh[0] if udh else 0
    while i + 1 < end:
        iei, length = udh[i], udh[i + 1]
        value = udh[i + 2 : i + 2 + length]
        if iei == 0x00 and length == 3:
            return value[0], value[1], value[2]
        if iei == 0x08 and length == 4:
            return value[0] << 8 | value[1], value[2], value[3]
        i += 2 + length
    return None


def _decode(data: bytes, coding: str) -> str:
    if coding == "UCS-2":
        return data.decode("utf-16-be")
    if coding == "GSM-7":
        return data.decode("utf-8")  # Kannel's own form of a 7-bit text
    return data.hex()


@dataclass
class InboundRecorder:
    """What smsbox passed on: the raw query string of each request, by path."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def queries(self, path: str) -> list[str]:
        with self.lock:
            return [q for p, q in self.requests if p == path]


@contextmanager
def inbound_receiver() -> Iterator[tuple[str, InboundRecorder]]:
    """An HTTP server on 127.0.0.1 answering 200 to every GET; yields its base URL and what it got."""
    recorder = InboundRecorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's hook name
            path, _, query = self.path.partition("?")
            with recorder.lock:
                recorder.requests.append((path, query))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


class Kannel:
    """bearerbox, smsbox and the fake phone, configured in ``directory``."""

    def __init__(self, directory: Path, mo_url: str):
        self.directory = directory
        self.mo_url = mo_url
        self.username = "tester"
        self.password = secrets.token_hex(8)
        self.admin_password = secrets.token_hex(8)
        self.processes: list[subprocess.Popen] = []
        self._inject_lock = threading.Lock()
        self.sendsms_url = ""

    # --- configuration and processes ------------------------------------------------------

    def _write_config(self) -> Path:
        self.admin_port, self.box_port, self.phone_port, self.inject_port, self.sendsms_port = (
            free_port() for _ in range(5)
        )
        self.sendsms_url = f"http://{HOST}:{self.sendsms_port}/cgi-bin/sendsms"
        d = self.directory
        separator = "&" if "?" in self.mo_url else "?"
        config = f"""
group = core
admin-port = {self.admin_port}
admin-interface = {HOST}
admin-password = {self.admin_password}
smsbox-port = {self.box_port}
smsbox-interface = {HOST}
box-allow-ip = {HOST}
log-file = "{d / "bearerbox.log"}"
log-level = 1
access-log = "{d / "access.log"}"
access-log-clean = true
access-log-format = "%l [SMSC:%i] [coding:%c] [octets:%L] [to:%P]"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = phone
port = {self.phone_port}
our-host = {HOST}
connect-allow-ip = {HOST}

group = smsc
smsc = fake
smsc-id = inject
port = {self.inject_port}
our-host = {HOST}
connect-allow-ip = {HOST}
allowed-smsc-id = inbound-only

group = smsbox
bearerbox-host = {HOST}
bearerbox-port = {self.box_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = {HOST}
mo-recode = true
log-file = "{d / "smsbox.log"}"
log-level = 1

group = sendsms-user
username = {self.username}
password = {self.password}
user-allow-ip = {HOST}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
get-url = "{self.mo_url}{separator}{kannel_client.MO_QUERY}"
max-messages = 0
"""
        path = d / "kannel.conf"
        path.write_text(config, encoding="utf-8")
        return path

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.directory / log_name, "ab")  # noqa: SIM115 - closed with the process in stop()
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        process.log = log  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def start(self) -> None:
        for attempt in range(3):
            config = self._write_config()
            try:
                self._spawn([str(BEARERBOX), "-v", "1", str(config)], "bearerbox.out")
                # smsbox gives up at once if bearerbox does not take its connection yet.
                wait_until(lambda: self._listening(self.box_port) or self._died(), START_TIMEOUT, "bearerbox up")
                self._died(fail=True)
                self._spawn([str(SMSBOX), "-v", "1", str(config)], "smsbox.out")
                # The phone: prints each line bearerbox sends it as "Got message" at debug level.
                self._spawn(
                    [str(FAKESMSC), "-H", HOST, "-r", str(self.phone_port), "-m", "0", "-v", "0", "0 0 text unused"],
                    "phone.log",
                )
                wait_until(lambda: self._ready() or self._died(), START_TIMEOUT, "Kannel ready")
                self._died(fail=True)
                return
            except (RuntimeError, TimeoutError):
                self.stop()
                # A port taken between choosing it and binding it: start again on new ports.
                if attempt == 2:
                    raise

    @staticmethod
    def _listening(port: int) -> bool:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
        except OSError:
            return False
        return True

    def _died(self, fail: bool = False) -> bool:
        dead = [p for p in self.processes if p.poll() is not None]
        if dead and fail:
            raise RuntimeError(f"Kannel process exited: {[p.args[0] for p in dead]}\n{self.logs()}")
        return bool(dead)

    def stop(self) -> None:
        """End every process this started: SIGINT (a clean shutdown), then SIGKILL if it lingers."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
            process.log.close()
        self.processes.clear()

    def logs(self, tail: int = 30) -> str:
        out = []
        for name in ("bearerbox.out", "smsbox.out", "phone.log"):
            path = self.directory / name
            if path.exists():
                lines = path.read_text("utf-8", "replace").splitlines()[-tail:]
                out.append(f"--- {name}\n" + "\n".join(lines))
        return "\n".join(out)

    # --- bearerbox's status page ----------------------------------------------------------

    def status(self) -> ET.Element | None:
        url = f"http://{HOST}:{self.admin_port}/status.xml?password={self.admin_password}"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return ET.fromstring(answer.read())  # noqa: S314 - our own bearerbox on 127.0.0.1
        except (OSError, urllib.error.URLError, ET.ParseError):
            return None

    def _smsc(self, smsc_id: str) -> ET.Element | None:
        status = self.status()
        if status is None:
            return None
        return next((s for s in status.iter("smsc") if s.findtext("id") == smsc_id), None)

    def _smsc_online(self, smsc_id: str) -> bool:
        smsc = self._smsc(smsc_id)
        return smsc is not None and (smsc.findtext("status") or "").startswith(("online", "connecting"))

    def _ready(self) -> bool:
        status = self.status()
        if status is None:
            return False
        phone = next((s for s in status.iter("smsc") if s.findtext("id") == "phone"), None)
        boxes = [b for b in status.iter("box") if b.findtext("type") == "smsbox"]
        if phone is None or not (phone.findtext("status") or "").startswith("online") or not boxes:
            return False
        try:
            urllib.request.urlopen(self.sendsms_url, timeout=2).close()
        except urllib.error.HTTPError:
            return True  # smsbox answers (a sendsms without a user is refused)
        except OSError:
            return False
        return True

    def received_by(self, smsc_id: str) -> int:
        smsc = self._smsc(smsc_id)
        return int(smsc.findtext("sms/received") or 0) if smsc is not None else -1

    # --- the phone ------------------------------------------------------------------------

    def _phone_lines(self) -> list[_Line]:
        lines = []
        raw = (self.directory / "phone.log").read_bytes().split(b"\n")
        for i, entry in enumerate(raw):
            if not entry:
                continue
            if not _LOG_LINE.match(entry):
                if i == len(raw) - 1:
                    break  # still being written
                raise ValueError(f"the fake phone's log has a line it cannot read: {entry[:80]!r}")
            m = _GOT.match(entry)
            if m:
                lines.append(_parse_line(m.group(1)))
        return lines

    def _sent_records(self) -> list[dict]:
        path = self.directory / "access.log"
        if not path.exists():
            return []
        records = []
        for entry in path.read_text("utf-8", "replace").splitlines():
            m = _ACCESS.match(entry)
            if m and m["smsc"] == "phone":
                records.append({"to": m["to"], "octets": int(m["octets"]), "coding": int(m["coding"])})
        return records

    def sent_messages(self) -> list[PhoneMessage]:
        """Every whole message that reached the fake phone so far, in the order it arrived.

        A concatenated message is listed once all its segments are in and bearerbox has logged
        it; its alphabet is the one bearerbox logged for it. ``ValueError`` if the phone and
        the gateway's log disagree.
        """
        records = self._sent_records()
        used: set[int] = set()

        def record_for(to: str, octets: int) -> dict | None:
            for i, record in enumerate(records):
                if i not in used and record["to"] == to and record["octets"] == octets:
                    used.add(i)
                    return record
            return None

        messages: list[PhoneMessage] = []
        pending: dict[tuple, dict[int, bytes]] = {}
        for line in self._phone_lines():
            if line.kind != "udh":
                coding = {"text": "GSM-7", "ucs-2": "UCS-2", "data": "8-bit"}[line.kind]
                record_for(line.to, len(line.data))
                messages.append(PhoneMessage(line.sender, line.to, _decode(line.data, coding), coding, 1))
                continue
            concat = _concatenation(line.udh)
            if concat is None:
                raise ValueError(f"a segment with a header but no concatenation element: {line.udh.hex()}")
            reference, total, sequence = concat
            key = (line.sender, line.to, reference, total)
            parts = pending.setdefault(key, {})
            parts[sequence] = line.data
            if len(parts) < total:
                continue
            del pending[key]
            data = b"".join(parts[i] for i in sorted(parts))
            if sorted(parts) != list(range(1, total + 1)):
                raise ValueError(f"segments {sorted(parts)} of a message of {total}")
            record = record_for(line.to, len(data))
            if record is None:
                if any(r["to"] == line.to for i, r in enumerate(records) if i not in used):
                    raise ValueError("a concatenated message that bearerbox logged with another length")
                continue  # bearerbox has not logged it yet
            coding = CODINGS.get(record["coding"], "GSM-7")
            messages.append(PhoneMessage(line.sender, line.to, _decode(data, coding), coding, total))
        return messages

    def wait_for_messages(self, count: int, to: str | None = None, timeout: float = 10.0) -> list[PhoneMessage]:
        """At least ``count`` messages to ``to`` (or to anyone) on the phone, polled within ``timeout``."""

        def enough():
            found = [m for m in self.sent_messages() if to is None or m.to == to]
            return found if len(found) >= count else None

        return wait_until(enough, timeout, f"{count} message(s) on the fake phone")

    def send_from_phone(self, number: str, text: str, to: str = SHORT_CODE, timeout: float = 10.0) -> None:
        """An inbound message from ``number``, as a phone sends it; returns once bearerbox has it.

        GSM-7 text on one line goes as a 7-bit message, anything else as UCS-2. smsbox then
        passes it to the inbound URL (the test polls its receiver for that).
        """
        if segments.is_gsm7(text) and not re.search(r"[\r\n]", text):
            line = f"{number} {to} text {text}"
        else:
            line = f"{number} {to} ucs2 {quote(text.encode('utf-16-be'), safe='')}"
        with self._inject_lock:
            before = self.received_by("inject")
            log = self.directory / "inject.log"
            log.write_bytes(b"")
            process = self._spawn(
                [str(FAKESMSC), "-H", HOST, "-r", str(self.inject_port), "-m", "1", "-v", "1", line], "inject.log"
            )
            try:
                wait_until(
                    lambda: b"sent message 1" in log.read_bytes() or process.poll() is not None,
                    timeout,
                    "the fake phone sending",
                )
                if process.poll() is not None:
                    raise RuntimeError(f"fakesmsc exited: {log.read_text('utf-8', 'replace')[-500:]}")
                wait_until(lambda: self.received_by("inject") > before, timeout, "bearerbox receiving the message")
            finally:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT)
                process.log.close()
                self.processes.remove(process)


@contextmanager
def running_kannel(directory: Path, mo_url: str) -> Iterator[Kannel]:
    """Kannel started in ``directory``, inbound messages passed to ``mo_url``; stopped on exit."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    kannel = Kannel(directory, mo_url)
    try:
        kannel.start()
        yield kannel
    finally:
        kannel.stop()


@dataclass
class KannelWithInbound:
    """The fixture's value: Kannel, and the receiver its inbound messages go to (``/mo``)."""

    kannel: Kannel
    inbound_url: str
    inbound: InboundRecorder


@pytest.fixture(scope="module", name="kannel")
def kannel_fixture(tmp_path_factory) -> Iterator[KannelWithInbound]:
    """One Kannel for a test module; tests tell their messages apart by the receiver's number."""
    with inbound_receiver() as (url, recorder), running_kannel(tmp_path_factory.mktemp("kannel"), url + "/mo") as k:
        yield KannelWithInbound(k, url, recorder)
