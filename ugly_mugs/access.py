"""Deny by default: a route answers only if it is on the public allow-list or (later) its role rule allows.

A view joins the allow-list with the ``@public`` decorator. Any other route is refused,
so a new route that nobody thought about is closed rather than open.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, request

_PUBLIC_ATTR = "_ugly_mugs_public"


def public(view: Callable) -> Callable:
    setattr(view, _PUBLIC_ATTR, True)
    return view


def is_public(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # no route matched: the 404 handler answers
    if endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(view and getattr(view, _PUBLIC_ATTR, False))


def init_app(app: Flask) -> None:
    @app.before_request
    def _deny_by_default():
        if not is_public(request.endpoint):
            abort(403)
