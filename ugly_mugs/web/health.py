"""``/healthz``: answers 200 when the app can reach its database, with nothing from it (liveness,
cheap: one trivial query). ``/healthz/delivery``: whether alerts are being delivered — 200 when
a dispatch worker is alive and nothing due waits too long, 503 otherwise — with counts and ages
only (no worker names, no addresses), for a monitor to page someone. ``/readyz``: 200 only when
every readiness check passes (``ugly_mugs.ops.readiness``), else 503 naming the checks that fail
and why (no content, no secrets)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from alerts.delivery.health import delivery_health
from ugly_mugs.db import ping
from ugly_mugs.ops import readiness
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


@bp.get("/healthz/delivery")
@public
def delivery():
    try:
        state = delivery_health(database.session(), int(current_app.config["DELIVERY_HEARTBEAT_STALE_SECONDS"]))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return jsonify({"status": "unavailable"}), 503
    body = {
        "status": "ok" if state.ok else "degraded",
        "workers_running": state.running,
        "deliveries_due": state.due,
        "oldest_due_seconds": state.oldest_due_seconds,
    }
    return jsonify(body), 200 if state.ok else 503


@bp.get("/readyz")
@public
def readyz():
    context = readiness.Context(database.session(), current_app.config, current_app.extensions["ugly_mugs.keystore"])
    results = readiness.run(context)
    failing = [name for name, problem in results.items() if problem]
    body = {
        "status": "not ready" if failing else "ready",
        "checks": {name: problem or "ok" for name, problem in results.items()},
    }
    return jsonify(body), (503 if failing else 200)
