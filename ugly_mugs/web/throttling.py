"""The request's side of the shared throttles (``ugly_mugs.throttle``).

Who the client is: a keyed hash of ``request.remote_addr`` (the proxy's forwarded address when
UGLY_MUGS_TRUSTED_PROXIES is set), made here and nowhere else, never stored or logged as an
address. When a limit refuses, ``wait`` remembers for how long, and every 429 or 503 answer of
that request then carries ``Retry-After`` (RFC 9110 §10.2.3), whichever view made it.

Reporter-facing limits fail open when Redis does not answer: a report, a receipt check or a
number check is worth more than one window of guessing protection, and the database still
records nothing about the client. Logins fail closed (the error handler answers 503).
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from ugly_mugs import throttle
from ugly_mugs.web import database
from ugly_mugs.web.errors import RETRY_UNAVAILABLE, render_error

EXTENSION = "ugly_mugs.throttle_key"
FILING = "filing"
RECEIPT = "receipt"
INVITATION = "invitation"
PUBLIC_CHECK = "public-check"
CHECK_API = "check-api"
SUBSCRIBE = "subscribe"


def client() -> str:
    """The keyed hash that stands for this request's client in every counter."""
    # The address is only the input of the keyed hash: never stored or logged
    # (tests: test_throttle_stores_no_address, test_logging_privacy, e2e test_log_privacy).
    return throttle.client_key(current_app.extensions[EXTENSION], request.remote_addr or "")


def wait(seconds: int) -> None:
    """Remember that this request was refused for ``seconds``: sent as Retry-After."""
    g.retry_after = max(1, int(seconds))


def _fail_open(what: str) -> None:
    current_app.logger.warning("the throttle store did not answer; %s allowed without a limit", what)


def receipt_guesses(name: str = RECEIPT) -> throttle.GuessLimit:
    """The limit on wrong guesses of a secret a person types or opens: a receipt code, or (with
    ``name`` INVITATION, counted apart) a staff invitation link; both use the RECEIPT_* settings."""
    cfg = current_app.config
    return throttle.GuessLimit(
        name,
        cfg["RECEIPT_CLIENT_FAILURES"],
        cfg["RECEIPT_CLIENT_FAILURES_UNDER_LOAD"],
        cfg["RECEIPT_GLOBAL_FAILURES"],
        cfg["RECEIPT_WINDOW_SECONDS"],
    )


def receipt_refused() -> bool:
    """True (and Retry-After set) if this client used up its wrong receipt codes for now."""
    try:
        seconds = receipt_guesses().refusal(database.session(), client())
    except throttle.StoreUnavailable:
        _fail_open("a receipt code check")
        return False
    if seconds is not None:
        wait(seconds)
    return seconds is not None


def receipt_wrong() -> None:
    """Count a wrong receipt code from this client (the caller commits)."""
    try:
        receipt_guesses().wrong(database.session(), client())
    except throttle.StoreUnavailable:
        _fail_open("a wrong receipt code")


def invitation_refused() -> bool:
    """True (and Retry-After set) if this client opened too many links that do not work for now.

    Fails open like a receipt check: the token has 256 bits, the limit only slows scanning."""
    try:
        seconds = receipt_guesses(INVITATION).refusal(database.session(), client())
    except throttle.StoreUnavailable:
        _fail_open("an invitation link")
        return False
    if seconds is not None:
        wait(seconds)
    return seconds is not None


def invitation_wrong() -> None:
    """Count a link that does not work, from this client (the caller commits)."""
    try:
        receipt_guesses(INVITATION).wrong(database.session(), client())
    except throttle.StoreUnavailable:
        _fail_open("a wrong invitation link")


def _take(quota: throttle.Quota, who: str, what: str) -> int | None:
    try:
        seconds = quota.take(database.session(), who)
    except throttle.StoreUnavailable:
        _fail_open(what)
        return None
    if seconds is not None:
        wait(seconds)
    return seconds


def _filing_quota() -> throttle.Quota:
    cfg = current_app.config
    return throttle.Quota(FILING, cfg["FILING_CLIENT_LIMIT"], cfg["FILING_GLOBAL_LIMIT"], cfg["FILING_WINDOW_SECONDS"])


def filing_refused() -> int | None:
    """Count one report filing by this client; None if allowed, else the seconds to wait
    (Retry-After is set). The caller commits (the count is in the request's transaction when
    the database is the store) and, when refused, shows the form back with what was typed.

    Counting writes (the database store's row is then locked until the commit): take it when the
    report is ready to be stored, after ``filing_refused_already`` let the work begin."""
    return _take(_filing_quota(), client(), "a report")


def filing_refused_already() -> int | None:
    """Whether this client's filing would be refused by the counts so far, counting nothing: the
    seconds to wait (then also counted, with Retry-After set) or None. Asked before a report is
    encrypted, so that a client past its limit costs no encryption."""
    quota = _filing_quota()
    try:
        seconds = quota.refusal(database.session(), client())
    except throttle.StoreUnavailable:
        _fail_open("a report")
        return None
    if seconds is None:
        return None
    # Counted as a refused filing always is (a client that keeps sending keeps being counted).
    counted = filing_refused()
    if counted is None:  # its window ended in between: still refused, and told to send it again at once
        wait(1)
    return counted or 1


def public_check_refused() -> int | None:
    """Count one public number check by this client; None if allowed, else seconds to wait."""
    cfg = current_app.config
    quota = throttle.Quota(
        PUBLIC_CHECK,
        cfg["PUBLIC_CHECK_CLIENT_LIMIT"],
        cfg["PUBLIC_CHECK_GLOBAL_LIMIT"],
        cfg["PUBLIC_CHECK_WINDOW_SECONDS"],
    )
    return _take(quota, client(), "a number check")


def subscribe_refused() -> int | None:
    """Count one sign-up (or stop) from this client on the public pages; None or seconds to wait."""
    cfg = current_app.config
    quota = throttle.Quota(
        SUBSCRIBE, cfg["SUBSCRIBE_CLIENT_LIMIT"], cfg["SUBSCRIBE_GLOBAL_LIMIT"], cfg["SUBSCRIBE_WINDOW_SECONDS"]
    )
    return _take(quota, client(), "a sign-up")


def check_api_refused(project_id: int) -> int | None:
    """Count one check by a project's app (limited per project token); None or seconds to wait."""
    cfg = current_app.config
    # Per project only, so that one project's app is never refused because of another's.
    quota = throttle.Quota(CHECK_API, cfg["CHECK_API_LIMIT"], None, cfg["CHECK_API_WINDOW_SECONDS"])
    return _take(quota, str(project_id), "a check through the API")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = throttle.client_hash_key(app.config["SECRET_KEY"], app.config["THROTTLE_KEY"])

    @app.after_request
    def _retry_after(response):
        seconds = g.get("retry_after")
        if response.status_code == 503 and not seconds:
            # Every "not just now" answer says when to try again, whichever view made it.
            seconds = RETRY_UNAVAILABLE
        if seconds and response.status_code in (429, 503) and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(throttle.StoreUnavailable)
    def _store_unavailable(_exc):
        app.logger.error("the throttle store did not answer on %s", request.endpoint)
        wait(30)
        return render_error(503)
