"""``/metrics``: the figures of ``ugly_mugs.ops.metrics`` for Prometheus, behind a bearer token.

Deny by default: without UGLY_MUGS_METRICS_TOKEN the route answers 404 to everyone; with it,
only ``Authorization: Bearer <token>`` opens it (compared in constant time), anything else gets
401. Scrapers should reach it from inside (the proxy need not expose it).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, Response, abort, current_app, request

from ugly_mugs.ops import metrics
from ugly_mugs.web import database, throttling
from ugly_mugs.web.access import public

bp = Blueprint("metrics", __name__)


def _authorised(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    digest = hashlib.sha256
    return hmac.compare_digest(digest(given.strip().encode()).digest(), digest(token.encode()).digest())


@bp.get("/metrics")
@public  # the bearer token is checked here: Prometheus has no staff session
def scrape():
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    if not _authorised(token):
        return Response("A valid token is needed.\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    session = database.session()
    under_load = throttling.receipt_guesses().under_load(session)
    body, content_type = metrics.exposition(session, under_load)
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})
