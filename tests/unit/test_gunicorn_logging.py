"""The error-log filter of config/gunicorn.conf.py, on the messages gunicorn 27 writes itself.

Proves: every "Invalid request from ip=…" record, whatever the error text quotes, comes out
naming the kind of error and neither the address nor anything of the request; "Error handling
request" keeps method and path and drops the query string; other records pass unchanged. The
live-server test in tests/e2e/test_log_privacy.py sends real malformed requests.
"""

from __future__ import annotations

import logging
import runpy
from pathlib import Path

import pytest

CONF = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"))
FILTER = CONF["NoClientDetails"]()


def filtered(msg: str, *args) -> str:
    record = logging.LogRecord("gunicorn.error", logging.WARNING, __file__, 1, msg, args or None, None)
    assert FILTER.filter(record) is True
    return record.getMessage()


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("Invalid HTTP request line: 'GARBAGE SecretZq'", "Invalid HTTP request line"),
        ("Invalid HTTP Version: 'HTTP/9.9'", "Invalid HTTP Version"),
        ("Invalid HTTP Header: 'Cookie SecretZq'", "Invalid HTTP Header"),
        ("Request Line is too large (9000 > 4094)", "Request Line is too large"),
        ("No more data after: 'GET /?q=SecretZq'", "No more data after"),
        ("'127.0.0.1 SecretZq'", "malformed"),
    ],
)
def test_invalid_request_lines_keep_only_the_kind_of_error(error, kind):
    for address in ("127.0.0.1", "2001:db8::7", "203.0.113.77"):
        # gunicorn formats the message itself before logging it.
        message = filtered(f"Invalid request from ip={address}: {error}")
        assert message == f"Invalid request ({kind})"
        assert address not in message and "SecretZq" not in message


def test_errors_in_the_app_keep_the_path_and_drop_the_query():
    assert filtered("Error handling request %s %s", "GET", "/report?phone=07700900123") == (
        "Error handling request GET /report"
    )
    assert filtered("Error handling request %s", "/receipt?code=SECRET") == "Error handling request /receipt"


@pytest.mark.parametrize(
    "message", ["Listening at: http://127.0.0.1:8000 (42)", "Booting worker with pid: 7", "Worker exiting (pid: 7)"]
)
def test_other_records_pass_unchanged(message):
    assert filtered(message) == message


def test_the_logger_class_is_configured():
    assert CONF["logger_class"] is CONF["PrivateLogger"]
    assert CONF["loglevel"] != "debug"
