"""Deny by default: a route answers only if it is on the public allow-list or its role rule allows.

Views declare who may use them with ``@public`` or ``@roles(...)`` (``@enrolling`` for the
authenticator set-up page). A route with no rule is refused to everyone, so a new route
that nobody thought about is closed rather than open.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden

from ugly_mugs.auth import sessions
from ugly_mugs.models import Account
from ugly_mugs.models.people import ROLES
from ugly_mugs.web import database

_PUBLIC = "_ugly_mugs_public"
_ROLES = "_ugly_mugs_roles"
_ENROLLING = "_ugly_mugs_enrolling"

ALL_STAFF = ROLES


def public(view: Callable) -> Callable:
    setattr(view, _PUBLIC, True)
    return view


def roles(*names: str) -> Callable[[Callable], Callable]:
    unknown = set(names) - set(ALL_STAFF)
    if unknown or not names:
        raise ValueError(f"unknown roles {unknown}")

    def mark(view: Callable) -> Callable:
        setattr(view, _ROLES, frozenset(names))
        return view

    return mark


def enrolling(view: Callable) -> Callable:
    setattr(view, _ENROLLING, True)
    return view


def _view(endpoint: str | None):
    return current_app.view_functions.get(endpoint) if endpoint else None


def is_public(endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":
        return True  # no route matched (the 404 handler answers) or a static file
    return bool(getattr(_view(endpoint), _PUBLIC, False))


def allowed_roles(endpoint: str | None) -> frozenset[str] | None:
    return getattr(_view(endpoint), _ROLES, None)


class SessionEnded(Forbidden):
    """A POST to a staff page without a logged-in session (it ended, or never began): answered
    with the login page holding what was sent (``web.drafts``), so that nothing typed is lost."""


def current_account() -> Account | None:
    return g.get("account")


def load_account() -> None:
    """Set ``g.account`` from the session: the active, logged-in account, or None."""
    g.account = None
    if getattr(session, "stage", None) == sessions.ACTIVE and session.account_id is not None:
        account = database.session().get(Account, session.account_id)
        if account is not None and account.active:
            g.account = account


def init_app(app: Flask) -> None:
    @app.before_request
    def _deny_by_default():
        load_account()
        endpoint = request.endpoint
        if is_public(endpoint):
            return None
        view = _view(endpoint)
        if getattr(view, _ENROLLING, False):
            if getattr(session, "stage", None) == sessions.ENROL:
                return None
            return redirect(url_for("auth.login"))
        allowed = allowed_roles(endpoint)
        if allowed is None:
            abort(403)
        account = current_account()
        if account is None:
            if request.method == "GET":
                return redirect(url_for("auth.login"))
            raise SessionEnded()
        if account.role not in allowed:
            abort(403)
        return None
