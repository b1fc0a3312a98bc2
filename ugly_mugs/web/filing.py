"""Filing a new report from a request, within the filing limits: the one sequence the reporter
form (``reporting.views``) and the JSON API (``api.views``) both follow.

The report is read, withheld and encrypted first (``reports.filing.prepare_report``), with no
database write lock held; only then is the filing counted (``web.throttling.filing_refused``),
so the count's row is locked only while the report is stored. A filing refused at that point
stores nothing and its erasure key leaves the key store; so does one whose storing fails.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy.orm import Session

from ugly_mugs.reports import filing, idempotency
from ugly_mugs.web import throttling


def file_within_limits(
    session: Session,
    new: filing.NewReport,
    categories: Collection[str],
    attempt: idempotency.Attempt | None = None,
    answer: Callable[[filing.Filed], idempotency.Answer] | None = None,
) -> filing.Filed | int:
    """Prepare, count and store ``new``; with an ``attempt`` (an idempotency key), remember
    ``answer(filed)`` for its retries. The caller commits (the count too when refused).

    Returns the filed report, or the seconds to wait when the filing limits refuse it (nothing
    stored; Retry-After set). Raises ``filing.ReportError`` (safe to show), ``KeyUnavailable``,
    ``idempotency.Conflict`` and database errors, after discarding the erasure key."""
    prepared = filing.prepare_report(session, new, set(categories))
    with filing.discarded_on_failure(session, prepared):
        refused = throttling.filing_refused()
        if refused is not None:
            filing.discard(session, prepared)
            return refused
        filed = filing.store_report(session, prepared)
        if attempt is not None and answer is not None:
            idempotency.remember(session, attempt, filed.report_id, answer(filed))
    return filed
