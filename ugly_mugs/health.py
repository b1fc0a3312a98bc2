"""``/healthz``: answers 200 when the app can reach its database, with nothing from it."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ugly_mugs import database
from ugly_mugs.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        database.session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
