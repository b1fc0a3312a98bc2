"""Gunicorn settings. The access log format leaves out the client address, user agent,
referrer and query string, so nothing in the logs can say who used the service."""

import os

bind = os.environ.get("UGLY_MUGS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("UGLY_MUGS_WORKERS", "2"))
threads = int(os.environ.get("UGLY_MUGS_THREADS", "1"))
timeout = 30
accesslog = "-"
errorlog = "-"
# %(U)s is the path without the query string; no %(h)s, %(a)s, %(f)s or %(q)s. %(t)s is only the
# hour (config/access_log.py), so that no access line dates a reporter's visit to the second.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "config.access_log.HourlyAccessLogger"
# Gunicorn itself logs no addresses at "info"; "debug" would log request headers.
loglevel = os.environ.get("UGLY_MUGS_LOG_LEVEL", "info")
if loglevel == "debug":
    raise SystemExit("debug logging would record request headers; use info or warning")
forwarded_allow_ips = os.environ.get("UGLY_MUGS_FORWARDED_ALLOW_IPS", "127.0.0.1")
# The runtime control socket is not used, and a fixed per-user path would be shared by
# every server on the machine (for example `make run` beside the browser tests).
control_socket_disable = True
