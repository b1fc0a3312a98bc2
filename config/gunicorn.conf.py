"""Gunicorn settings. The access log format leaves out the client address, user agent,
referrer and query string, and the error log is filtered so that gunicorn's own messages
name no client address and repeat no request line, so nothing in the logs can say who
used the service."""

import logging
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("UGLY_MUGS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("UGLY_MUGS_WORKERS", "2"))
threads = int(os.environ.get("UGLY_MUGS_THREADS", "1"))
timeout = 30
accesslog = "-"
errorlog = "-"
# %(U)s is the path without the query string; no %(h)s, %(a)s, %(f)s or %(q)s. %(t)s is only the
# hour (config/access_log.py), so that no access line dates a reporter's visit to the second.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Gunicorn itself logs no addresses at "info" once filtered below; "debug" would log request headers.
loglevel = os.environ.get("UGLY_MUGS_LOG_LEVEL", "info")
if loglevel == "debug":
    raise SystemExit("debug logging would record request headers; use info or warning")
forwarded_allow_ips = os.environ.get("UGLY_MUGS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The runtime control socket is not used, and a fixed per-user path would be shared by
# every server on the machine (for example `make run` beside the browser tests).
control_socket_disable = True


class NoClientDetails(logging.Filter):
    """Rewrites the error-log records in which gunicorn names a client or repeats its request.

    - ``Invalid request from ip=<address>: <error>`` (a malformed request; the error text may
      quote the request line or a header) becomes ``Invalid request (<kind of error>)``;
    - ``Error handling request <method> <uri>`` (an exception in the app) keeps the path and
      drops the query string, like the access log.
    """

    _KIND = re.compile(r"[A-Za-z][A-Za-z ]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Invalid request from"):
            error = record.getMessage().partition(": ")[2]
            kind = self._KIND.match(error)
            record.msg, record.args = "Invalid request (%s)", (kind.group(0).strip() if kind else "malformed",)
        elif message.startswith("Error handling request") and isinstance(record.args, tuple):
            record.args = tuple(a.partition("?")[0] if isinstance(a, str) else a for a in record.args)
        return True


class PrivateLogger(Logger):
    """Gunicorn's logger with ``NoClientDetails`` on its error log (set up again on reload),
    access lines stamped with the hour only (``config/access_log.py``), and JSON lines when
    UGLY_MUGS_LOG_FORMAT=json."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if not any(isinstance(f, NoClientDetails) for f in self.error_log.filters):
            self.error_log.addFilter(NoClientDetails())
        # UGLY_MUGS_LOG_FORMAT=json: the same records, one JSON object a line (ugly_mugs.ops.logs).
        from ugly_mugs.ops import logs

        try:
            kind = logs.chosen(os.environ)
        except logs.LogFormatError as exc:
            raise SystemExit(str(exc)) from None
        if kind == "json":
            for handler in (*self.error_log.handlers, *self.access_log.handlers):
                handler.setFormatter(logs.JsonLines())

    def atoms(self, resp, req, environ, request_time):
        # Imported here: the configuration file is read before the working directory is on
        # sys.path; by the time a request is logged it is.
        from config.access_log import hour_stamp

        atoms = super().atoms(resp, req, environ, request_time)
        atoms["t"] = hour_stamp()
        return atoms


logger_class = PrivateLogger
