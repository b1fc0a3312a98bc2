"""P4 on the live server: gunicorn's own output says nothing about who reported or what.

Reports are filed through the HTML form and the JSON API and their receipt codes used on
/receipt and /api/v1/receipt/status, with a canary User-Agent, a canary X-Forwarded-For,
a canary query string and a canary in every text field. Everything gunicorn and the app
printed (access log, error log, worker output) must then contain none of them, nor the
client address, nor any spelling of a receipt code; and it must hold the access lines of
those very requests, so the test cannot pass on an empty log. Each access line is stamped
with the hour alone, so that the log cannot date a reporter's visit more finely than the
records do.

Malformed requests sent over a raw socket (a garbage request line, an unknown HTTP version, a
broken header, an over-long request line, a bad header name, a length that is no number) make gunicorn
itself log "Invalid request"; those lines must be there, and hold neither the client address
nor anything of the requests.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from urllib.parse import urlencode, urlsplit

import pytest

from ugly_mugs.reports import fields

pytestmark = pytest.mark.e2e

CLIENT_ADDRESS = "127.0.0.1"
FORWARDED_FOR = "203.0.113.77"
USER_AGENT = "CanaryAgentLogZq/7.3 (e2e; LogPrivacyZq)"
QUERY_CANARY = "QueryCanaryLogZq"
WRONG_CODE = "WRNG-C0DE-ZQZQ-ZQZQ-ZQ00"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
REFERENCE = re.compile(r'class="reference">(UM-[0-9A-Z]+)<')

ACCESS_LINE = re.compile(r'"(?:GET|POST) /')
HOUR_ONLY = re.compile(r"\[\d{2}/[A-Z][a-z]{2}/\d{4} \d{2}h UTC\] \"")
FINER = re.compile(r"\d:\d{2}")

TEXT_FIELDS = fields.text_fields()


def canaries(prefix: str, phone: str) -> dict[str, str]:
    values = {name: f"{prefix}Canary{name.replace('_', '')}Zq" for name in TEXT_FIELDS}
    values["phone_numbers"] = f"07700 {phone}"
    values["emails"] = f"{prefix.lower()}canary@example.org"
    values["usernames"] = f"{prefix}CanaryUserZq"
    values["vehicle_registration"] = f"{prefix[:3].upper()}12 CNY"
    return values


def report_fields(prefix: str, phone: str) -> dict:
    return {
        "incident_date": "2026-11-18",
        "part_of_day": "night",
        "area": "harehills",
        "categories": ["threats", "robbery"],
        "sex": "man",
        "age_range": "40 to 49",
        "reporter_type": "self",
        "consent_level": "anonymous_intel",
        **canaries(prefix, phone),
    }


def content_needles(prefix: str, phone: str) -> list[str]:
    values = canaries(prefix, phone)
    plate = values["vehicle_registration"]
    return [*values.values(), phone, "+447700" + phone, plate.replace(" ", "")]


def code_spellings(code: str) -> list[str]:
    bare = code.replace("-", "")
    return [code, bare, code.replace("-", " "), *(bare[i : i + 8] for i in range(0, len(bare) - 7, 4))]


class Client:
    """Plain HTTP with the canary headers on every request, and no cookie jar at all."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        headers = {
            "User-Agent": USER_AGENT,
            "X-Forwarded-For": FORWARDED_FOR,
            "Origin": self.base_url,
            "Referer": f"{self.base_url}/report?from={QUERY_CANARY}",
        }
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8")
            assert response.getheader("Set-Cookie") is None, f"{method} {path} set a cookie"
            return response.status, text
        finally:
            conn.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict):
        return self.request("POST", path, urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded")

    def post_json(self, path: str, payload):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", path, body, "application/json")

    def token(self, path: str) -> str:
        status, page = self.get(path)
        assert status == 200
        return TOKEN.search(page).group(1)


def _wait_for(live_server, line: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        log = live_server.log()
        if line in log or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def test_gunicorn_logs_nothing_about_the_reporter(live_server):
    http_ = Client(live_server.base_url)

    token = http_.token(f"/report?from={QUERY_CANARY}")
    status, page = http_.post_form("/report", {**report_fields("LogForm", "900741"), "form_token": token})
    assert status == 200, page
    form_code, form_reference = CODE.search(page).group(1), REFERENCE.search(page).group(1)

    status, text = http_.post_json("/api/v1/reports", report_fields("LogApi", "900852"))
    assert status == 201, text
    api = json.loads(text)

    token = http_.token("/receipt")
    sloppy = form_code.lower().replace("-", " ")
    status, page = http_.post_form("/receipt", {"receipt_code": sloppy, "form_token": token})
    assert status == 200 and form_reference in page, page
    status, page = http_.post_form(
        "/receipt/add",
        {"receipt_code": form_code, "form_token": token, "more_incident": "LogAddedCanaryZq"},
    )
    assert status == 200 and "What you added has been saved" in page, page

    status, text = http_.post_json("/api/v1/receipt/status", {"receipt_code": api["receipt_code"]})
    assert status == 200 and json.loads(text)["reference"] == api["reference"], text
    status, text = http_.post_json("/api/v1/receipt/status", {"receipt_code": form_code.replace("-", "")})
    assert status == 200, text

    # Refusals and bad bodies must not be logged either.
    status, _ = http_.post_form("/receipt", {"receipt_code": WRONG_CODE, "form_token": token})
    assert status == 404
    status, _ = http_.post_json("/api/v1/receipt/status", {"receipt_code": WRONG_CODE})
    assert status == 404
    status, _ = http_.post_json("/api/v1/reports", b'{"what_happened": "BrokenJsonCanaryZq"')
    assert status == 400
    status, _ = http_.post_json("/api/v1/reports", {"area": "BadAreaCanaryZq", "what_happened": 7})
    assert status == 422

    log = _wait_for(live_server, '"POST /api/v1/reports" 422')

    # The access lines of these requests are there: the log is not empty by accident.
    for line in (
        '"GET /report" 200',
        '"POST /report" 200',
        '"POST /api/v1/reports" 201',
        '"POST /receipt" 200',
        '"POST /receipt/add" 200',
        '"POST /api/v1/receipt/status" 200',
        '"POST /receipt" 404',
        '"POST /api/v1/reports" 422',
    ):
        assert line in log, f"no access line {line!r} in:\n{log}"

    # Gunicorn names its own listening address at start; that is the server's, not a client's.
    without_bind = log.replace(f"Listening at: {live_server.base_url}", "Listening at: <bind>")
    needles = [CLIENT_ADDRESS, FORWARDED_FOR, USER_AGENT, "CanaryAgentLogZq", "LogPrivacyZq", QUERY_CANARY]
    for code in (form_code, api["receipt_code"], WRONG_CODE):
        needles += code_spellings(code)
    needles += [sloppy, form_reference, api["reference"], live_server.passphrase]
    needles += content_needles("LogForm", "900741") + content_needles("LogApi", "900852")
    needles += ["LogAddedCanaryZq", "BrokenJsonCanaryZq", "BadAreaCanaryZq"]
    haystack = without_bind.lower()
    found = [n for n in needles if n.lower() in haystack]
    assert found == [], f"the server log reveals {found}:\n{log}"

    # No access line says when within the hour a reporter came: no minutes, no seconds (P4).
    access = [line for line in log.splitlines() if ACCESS_LINE.search(line)]
    assert len(access) >= 10, log
    for line in access:
        assert HOUR_ONLY.match(line), f"an access line is not stamped with the hour alone: {line!r}"
        assert not FINER.search(line.split('"', 1)[0]), f"an access line says the minute: {line!r}"


MALFORMED = [
    b"GARBAGE MalformedLineCanaryZq\r\n\r\n",
    b"GET /?q=MalformedVersionCanaryZq HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /report?q=BrokenHeaderCanaryZq HTTP/1.1\r\nHost: x\r\nBrokenHeaderLineCanaryZq\r\n\r\n",
    b"GET /" + b"LongLineCanaryZq" * 600 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad\x01NameCanaryZq: value\r\n\r\n",
    b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: LengthCanaryZq\r\n\r\n",
]


def send_raw(base_url: str, payload: bytes) -> bytes:
    """Send ``payload`` as it is and read the answer until the server closes the connection."""
    parts = urlsplit(base_url)
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(payload)
        try:
            conn.shutdown(socket.SHUT_WR)
            while chunk := conn.recv(4096):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def test_malformed_requests_leave_no_client_address_in_the_log(live_server):
    before = live_server.log().count("Invalid request")
    for payload in MALFORMED:
        answer = send_raw(live_server.base_url, payload)
        assert answer.startswith(b"HTTP/1.1 4") or answer.startswith(b"HTTP/1.1 5"), (payload[:40], answer[:80])
    deadline = time.monotonic() + 10
    while live_server.log().count("Invalid request") < before + len(MALFORMED) and time.monotonic() < deadline:
        time.sleep(0.1)
    log = live_server.log()
    invalid = [line for line in log.splitlines() if "Invalid request" in line]
    assert len(invalid) >= before + len(MALFORMED), f"gunicorn logged fewer invalid requests than sent:\n{log}"
    without_bind = log.replace(f"Listening at: {live_server.base_url}", "Listening at: <bind>")
    needles = [CLIENT_ADDRESS, "ip=", "CanaryZq"]
    found = [n for n in needles if n.lower() in without_bind.lower()]
    assert found == [], f"the server log reveals {found}:\n{log}"
