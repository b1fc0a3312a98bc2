"""Staff forms kept through an expired session or CSRF token: nothing typed is lost.

The reporter's form already survives an expired form token (``form_token``): it is shown back
filled in with a fresh token. Staff forms carry Flask-WTF's session-bound CSRF token, and a staff
session ends after 30 idle minutes, so an outreach worker who presses Send 31 minutes after
opening the report form used to get "go back and try again" and lose her text. Here the same
idea is applied to every staff form, in the form itself and never stored on the server:

- **The token expired, the session is still there** (a form left open in another tab for over
  an hour). The page's own view is run again with what was sent: every Flask-WTF form checks the
  token too, so none validates, nothing is saved (a commit in this mode is refused), and the view
  shows its form back filled in, as it does for any invalid form, with a notice to press the
  button again (``draft_kept``).
- **The session ended.** The answer is the login page holding the draft: everything sent (no
  CSRF token, no password: ``secret_fields``) as JSON in a hidden field, listed on the page, and
  where it was going. Logging in there answers ``307 Temporary Redirect`` to that page, which the
  browser follows with the same body; the draft then arrives at its page with a token that does
  not match the new session, and the first case shows the form filled in.

Only a page whose view is marked for staff roles is run again; the login page itself is too
(its form keeps the username). Other public pages with a token (logout) answer 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask, current_app, g, make_response, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from wtforms import Form, PasswordField
from wtforms.fields.core import UnboundField

from ugly_mugs.auth.forms import LoginForm
from ugly_mugs.web import access, database
from ugly_mugs.web.errors import render_error

DRAFT = "_draft"
TARGET = "_draft_to"
CSRF_FIELD = "csrf_token"
LOGIN = "auth.login"
EXPIRED = "This page had expired, so nothing was changed. Please go back, reload the page and try again."


class DraftWrite(RuntimeError):
    """A view tried to commit while showing a draft back: a fault in that view."""


def secret_fields() -> frozenset[str]:
    """The names of every password field of every form class loaded (every one of the app's, once
    it is made): never kept in a draft. Read each time, so that a form loaded later counts too."""
    names = set()
    pending = [Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for attribute, value in vars(cls).items():
            if isinstance(value, UnboundField) and issubclass(value.field_class, PasswordField):
                names.add(value.kwargs.get("name") or attribute)
    return frozenset(names)


@dataclass(frozen=True)
class Draft:
    """What a staff form sent: (name, value) pairs in order, and the path it was sent to."""

    pairs: tuple[tuple[str, str], ...]
    target: str

    def encoded(self) -> str:
        return json.dumps([list(pair) for pair in self.pairs], ensure_ascii=False)

    def shown(self) -> list[tuple[str, str]]:
        """The pairs worth showing on the login page: the ones with something typed in them."""
        return [(name, value) for name, value in self.pairs if value.strip()]


def _keep(name: str) -> bool:
    return name not in (CSRF_FIELD, DRAFT, TARGET) and name not in secret_fields()


def _decoded(raw: str) -> tuple[tuple[str, str], ...] | None:
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(found, list):
        return None
    pairs = [tuple(p) for p in found if isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p)]
    return tuple((name, value) for name, value in pairs if _keep(name))


def staff_target(path: object) -> str | None:
    """``path`` if it is a page of this app that takes a POST from staff (so a login can send the
    draft back there, and nowhere else); else None."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//") or len(path) > 500:
        return None
    if "\\" in path or any(ord(ch) < 0x20 for ch in path):
        return None  # a browser reads "/\\host" as "//host": another site
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(path.split("?", 1)[0], method="POST")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    return path if access.allowed_roles(endpoint) is not None else None


def posted() -> Draft | None:
    """The draft a login form carries (``_draft`` and ``_draft_to``), or None."""
    target = staff_target(request.form.get(TARGET))
    pairs = _decoded(request.form.get(DRAFT, ""))
    return Draft(pairs, target) if target and pairs is not None else None


def from_request() -> Draft:
    """The draft of this request: the one it carries back from a login, else what it sent."""
    carried = _decoded(request.form[DRAFT]) if DRAFT in request.form else None
    if carried is not None:
        return Draft(carried, request.full_path.rstrip("?"))
    pairs = tuple((name, value) for name, value in request.form.items(multi=True) if _keep(name))
    return Draft(pairs, request.full_path.rstrip("?"))


def back_to(draft: Draft):
    """After a login: to the draft's page, with the same body (307), where it is shown filled in."""
    return redirect(draft.target, code=307)


def login_page(form, draft: Draft | None, status: int, error: str | None = None):
    return render_template("auth/login.html", form=form, error=error, draft=draft), status


def _resume(status: int):
    """The login page holding this request's draft (the session ended before it was sent)."""
    draft = from_request()
    return login_page(LoginForm(formdata=None), draft if staff_target(draft.target) else None, status)


def _refuse_commits(_session) -> None:
    raise DraftWrite("a commit while a draft was shown back")


def _show_again(endpoint: str, draft: Draft | None):
    """Run ``endpoint``'s view again (with the draft as its form data, if given): its forms fail on
    the token, so it shows them back filled in; a commit meanwhile is refused (``DraftWrite``)."""
    if draft is not None:
        request.form = ImmutableMultiDict(list(draft.pairs))
        request.__dict__.pop("values", None)
    g.draft_kept = True
    db = database.session()
    event.listen(db, "before_commit", _refuse_commits)
    try:
        answer = current_app.ensure_sync(current_app.view_functions[endpoint])(**(request.view_args or {}))
    except Exception as exc:  # noqa: BLE001 - answered by the app's own handlers, as if raised normally
        return current_app.handle_user_exception(exc)
    finally:
        event.remove(db, "before_commit", _refuse_commits)
    return make_response(answer)


def _token_refused(_exc: CSRFError):
    endpoint = request.endpoint
    if endpoint == LOGIN:
        # The login page itself expired: shown again with its username (and any draft it holds).
        return _show_again(endpoint, None)
    allowed = access.allowed_roles(endpoint)
    if allowed is None:
        return render_error(400, EXPIRED)
    access.load_account()
    account = access.current_account()
    if account is None:
        return _resume(400)
    if account.role not in allowed:
        return render_error(403)
    return _show_again(endpoint, from_request())


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _token_refused)
    app.register_error_handler(access.SessionEnded, lambda _exc: _resume(403))

    @app.context_processor
    def _draft_kept() -> dict:
        return {"draft_kept": g.get("draft_kept", False)}
