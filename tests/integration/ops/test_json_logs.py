"""Structured logs (UGLY_MUGS_LOG_FORMAT=json) change the form of the logs, never what they hold.

gunicorn is started as the deploy kit starts it, with JSON logs; a report is sent and a receipt
looked up with canaries in the query string, the User-Agent and X-Forwarded-For, and malformed requests
are sent over a raw socket. Every line gunicorn and the app wrote must then be one JSON object
with a level, a logger and a message; the access lines carry method, path, status and the hour
alone (no finer time); gunicorn's own "Invalid request" lines are there; and no line holds the
client address or any canary. A value other than text or json stops the server at start with a
message naming the setting, and the dispatch worker refuses it too.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.app import minimal_report
from tests.support.mailsink import free_port
from ugly_mugs.ops import logs

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30
CANARIES = ("QueryCanaryJsonZq", "AgentCanaryJsonZq", "203.0.113.99")
CLIENT_ADDRESS = "127.0.0.1"  # also the address the server listens on, which it may say
MALFORMED = [b"GARBAGE QueryCanaryJsonZq\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"]
HOUR_ONLY = re.compile(r"^\[\d{2}/[A-Z][a-z]{2}/\d{4} \d{2}h UTC\]$")


def _environment(tmp_path: Path, port: int, log_format: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env.update(
        {
            "UGLY_MUGS_DATABASE_URL": f"sqlite:///{tmp_path / 'logs.sqlite3'}",
            "UGLY_MUGS_SECRET_KEY": secrets.token_hex(32),
            "UGLY_MUGS_BIND": f"127.0.0.1:{port}",
            "UGLY_MUGS_WORKERS": "1",
            "UGLY_MUGS_LOG_FORMAT": log_format,
            "XDG_RUNTIME_DIR": str(tmp_path),
        }
    )
    return env


def _start(tmp_path: Path, log_format: str) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    env = _environment(tmp_path, port, log_format)
    migrating = {k: v for k, v in env.items() if k != "UGLY_MUGS_LOG_FORMAT"}
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=migrating, check=True, capture_output=True
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, port, log_path


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _request(port: int, method: str, path: str, body: dict | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"User-Agent": "AgentCanaryJsonZq/1.0", "X-Forwarded-For": "203.0.113.99"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _wait_healthy(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
        try:
            if _request(port, "GET", "/healthz") == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {START_TIMEOUT}s:\n{log_path.read_text(errors='replace')}")


def test_json_logs_hold_every_record_as_fields_and_nothing_of_who_asked(tmp_path):
    process, port, log_path = _start(tmp_path, "json")
    try:
        _wait_healthy(process, port, log_path)
        # Not set up (no keys): the API answers 503, which is logged like any other answer.
        filed = _request(port, "POST", "/api/v1/reports?src=QueryCanaryJsonZq", minimal_report())
        assert _request(port, "GET", "/receipt?code=QueryCanaryJsonZq") in (200, 404)
        assert _request(port, "GET", "/no-such-page?QueryCanaryJsonZq") == 404
        for raw in MALFORMED:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(raw)
                sock.recv(4096)
    finally:
        _stop(process)
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"level", "logger", "message"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert {(r["method"], r["path"], str(r["status"])) for r in access} >= {
        ("POST", "/api/v1/reports", str(filed)),
        ("GET", "/no-such-page", "404"),
    }
    assert all(HOUR_ONLY.match(r["hour"]) and "time" not in r for r in access)
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$", r["time"]) for r in records if r not in access)
    assert sum(r["message"].startswith("Invalid request (") for r in records) == len(MALFORMED)
    text = "\n".join(lines)
    for canary in CANARIES:
        assert canary not in text
    assert not [r for r in records if CLIENT_ADDRESS in json.dumps(r) and not r["message"].startswith("Listening at")]


@pytest.mark.parametrize("value", ["", "text", "TEXT", " json ", "Json"])
def test_the_setting_reads_text_or_json_in_any_case(value):
    assert logs.chosen({"UGLY_MUGS_LOG_FORMAT": value}) == (value.strip().lower() or "text")
    assert logs.chosen({}) == "text"


@pytest.mark.parametrize("value", ["xml", "jsonl", "text json", "1"])
def test_any_other_format_stops_the_server_and_the_worker_with_the_settings_name(tmp_path, value):
    with pytest.raises(logs.LogFormatError, match="UGLY_MUGS_LOG_FORMAT"):
        logs.chosen({"UGLY_MUGS_LOG_FORMAT": value})
    process, _, log_path = _start(tmp_path, value)
    try:
        assert process.wait(timeout=START_TIMEOUT) != 0
    finally:
        _stop(process)
    assert "UGLY_MUGS_LOG_FORMAT" in log_path.read_text(errors="replace")
    env = _environment(tmp_path, free_port(), value)
    worker = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "alerts", "dispatch", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode != 0 and "UGLY_MUGS_LOG_FORMAT" in worker.stderr
