"""Gunicorn's access log with no time finer than the hour (P4).

Gunicorn stamps each access line (``%(t)s``) to the second, which would date a reporter's
visit (filing, her receipt, consent, deletion) more finely than the records themselves keep
it. ``PrivateLogger`` in ``gunicorn.conf.py`` gives every access line only the hour from
``hour_stamp``, by the one rule of ``ugly_mugs.coarse_time``.
"""

from datetime import UTC, datetime


def hour_stamp() -> str:
    """The current hour as the access log shows it, e.g. ``[23/Nov/2026 14h UTC]``."""
    # Imported here: the master process needs no app code, workers have it loaded already.
    from ugly_mugs import coarse_time

    return coarse_time.coarse(datetime.now(UTC)).strftime("[%d/%b/%Y %Hh UTC]")
