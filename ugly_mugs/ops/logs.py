"""What the processes' logs look like: lines of text (the default) or one JSON object a line.

``UGLY_MUGS_LOG_FORMAT=json`` is for log collectors (journald, Loki, Elasticsearch) that read
fields rather than parse text. Only the form changes, never the content: the records are the
ones the text logs hold, after the same filters (config/gunicorn.conf.py), so a JSON line holds
no client address, user agent, query string or report content either (P4). Access lines keep
only the hour (``config/access_log.py``), as a field of their own; other records carry the
time to the second, as the text log does. JSON is written by python-json-logger. No Flask imports.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FLASK_TEXT_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"  # Flask's default

# Gunicorn's access-log atoms kept as fields, by their names there: method, path (no query
# string), status, response bytes, milliseconds, and the hour-only stamp.
ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "ms", "t": "hour"}


class LogFormatError(ValueError):
    """UGLY_MUGS_LOG_FORMAT is not one of FORMATS."""


def chosen(environ: Mapping[str, str]) -> str:
    """The log format ``environ`` asks for: "text" (unset or empty) or "json".

    Raises LogFormatError for anything else."""
    value = (environ.get("UGLY_MUGS_LOG_FORMAT") or "text").strip().lower()
    if value not in FORMATS:
        raise LogFormatError(f"UGLY_MUGS_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


class JsonLines(JsonFormatter):
    """One JSON object a record: ``level``, ``logger``, ``message``; ``time`` (UTC, to the
    second) except on gunicorn's access lines, which carry ``hour`` and the request's
    ``method``, ``path``, ``status``, ``bytes`` and ``ms`` instead."""

    def __init__(self) -> None:
        super().__init__(["levelname", "name", "message"], rename_fields={"levelname": "level", "name": "logger"})

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in ACCESS_FIELDS.items():
                if atom in record.args:
                    log_data[field] = record.args[atom]
        else:
            log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds")


def formatter(kind: str) -> logging.Formatter:
    """The formatter of log format ``kind`` (one of FORMATS) for the app's own processes."""
    return JsonLines() if kind == "json" else logging.Formatter(TEXT_FORMAT)


def configure(kind: str, level: int = logging.INFO) -> None:
    """Set the root logger of a command-line process (the dispatch worker) to write to standard
    error in log format ``kind`` (one of FORMATS)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(kind))
    logging.basicConfig(level=level, handlers=[handler])


def flask_formatter(kind: str) -> logging.Formatter:
    """The formatter of Flask's own log handler (``app.logger``) in log format ``kind``: JSON
    lines, or Flask's own text format."""
    return JsonLines() if kind == "json" else logging.Formatter(FLASK_TEXT_FORMAT)
