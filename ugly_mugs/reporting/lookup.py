"""Opening a report from a receipt code in a request, with the throttle for wrong codes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from ugly_mugs import throttle
from ugly_mugs.models import Report
from ugly_mugs.reports import receipts
from ugly_mugs.web import database

THROTTLE_NAME = "receipt"
# Marked for the catalogs; the views translate them when they show them.
NOT_FOUND = "We could not find a report with that code. Check the code and try again."
TOO_MANY = "Too many tries. Please wait 15 minutes, then try again."
_CATALOG = (
    _l("We could not find a report with that code. Check the code and try again."),
    _l("Too many tries. Please wait 15 minutes, then try again."),
)


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int


def open_report(code: str) -> Report | Refusal:
    """The report for ``code``, or a Refusal that says nothing about whether it exists."""
    cfg = current_app.config
    counter: throttle.ClientCounter = current_app.extensions["ugly_mugs.receipt_throttle"]
    # Used only as input to the in-memory keyed hash of ClientCounter: never stored or logged
    # (tests: test_throttle_stores_no_address, test_logging_privacy, e2e test_log_privacy).
    client = request.remote_addr or ""
    session = database.session()
    window = cfg["RECEIPT_WINDOW_SECONDS"]
    if counter.blocked(client) or throttle.global_blocked(
        session, THROTTLE_NAME, cfg["RECEIPT_GLOBAL_FAILURES"], window
    ):
        return Refusal(TOO_MANY, 429)
    report = receipts.find_by_receipt(session, code)
    if report is None:
        counter.fail(client)
        throttle.global_fail(session, THROTTLE_NAME, window)
        session.commit()
        return Refusal(NOT_FOUND, 404)
    return report
