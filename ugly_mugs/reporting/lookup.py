"""Opening a report from a receipt code in a request, with the throttle for wrong codes.

The code is read as people type it (``reports.receipts.read_code``: dashes, spaces and look-alike
letters of any kind, ``crypto.receipt.normalise``) before it is looked up and before anything is
counted, so a code typed with an en dash, a non-breaking space or Cyrillic capitals is found and
costs no try. Text that cannot be a code at all gets the answer a wrong code gets (nothing is
given away) but is not counted towards the lockout either: it cannot be a guess at any code.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ugly_mugs.models import Report
from ugly_mugs.reports import receipts
from ugly_mugs.web import database, throttling

# Marked for the catalogs; the views translate them when they show them.
NOT_FOUND = "We could not find a report with that code. Check the code and try again."
TOO_MANY = "Too many tries. Please wait 15 minutes, then try again."
ERASED = "This report has been deleted. Nothing of it can be opened any more, by anyone."
_CATALOG = (
    _l("We could not find a report with that code. Check the code and try again."),
    _l("Too many tries. Please wait 15 minutes, then try again."),
    _l("This report has been deleted. Nothing of it can be opened any more, by anyone."),
)


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int


def open_report(code: str) -> Report | Refusal:
    """The live report for ``code``, or a Refusal: a wrong code's says nothing about whether a
    report exists; an erased report's code answers that it was deleted (410), also when a
    database restored from a backup still held the report (it is erased again at once).

    A client that used up its wrong codes is refused before its code is looked at; otherwise the
    code is looked at first, and only a wrong one is counted (overall guessing makes wrong codes
    dearer, never a right one refused: ``throttle.GuessLimit``). Text that cannot be a code is
    answered like a wrong code, uncounted."""
    if throttling.receipt_refused():
        return Refusal(TOO_MANY, 429)
    if receipts.read_code(code) is None:
        return Refusal(NOT_FOUND, 404)
    session = database.session()
    report = receipts.find_by_receipt(session, code)
    if report is None:
        throttling.receipt_wrong()
        session.commit()
        return Refusal(NOT_FOUND, 404)
    if receipts.is_erased(session, report):
        return Refusal(ERASED, 410)
    return report
