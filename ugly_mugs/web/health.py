"""``/healthz``: answers 200 when the app can reach its database, with nothing from it."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ugly_mugs.db import ping
from ugly_mugs.web import database
from ugly_mugs.web.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        ping(database.session())
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
