"""Gunicorn's access log with no time finer than the hour (P4).

Gunicorn stamps each access line (``%(t)s``) to the second, which would date a reporter's
visit (filing, her receipt, consent, deletion) more finely than the records themselves keep
it. This logger gives every access line only the hour, by the one rule of
``ugly_mugs.coarse_time``; the rest of the line is the format in ``gunicorn.conf.py``.
"""

from datetime import UTC, datetime

from gunicorn import glogging


class HourlyAccessLogger(glogging.Logger):
    """Gunicorn's logger, with the access line's time given only to the hour (UTC)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["t"] = hour_stamp()
        return atoms


def hour_stamp() -> str:
    """The current hour as the access log shows it, e.g. ``[23/Nov/2026 14h UTC]``."""
    # Imported here: the master process needs no app code, workers have it loaded already.
    from ugly_mugs import coarse_time

    return coarse_time.coarse(datetime.now(UTC)).strftime("[%d/%b/%Y %Hh UTC]")
