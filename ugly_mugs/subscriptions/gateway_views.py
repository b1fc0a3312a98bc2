"""What the SMS gateway calls: replies from phones and delivery reports (signed endpoints).

Kannel's ``sms-service`` calls ``GET /sms/inbound?key=<token>&`` + ``kannel.MO_QUERY`` for every
text sent to our number, and smsbox calls the ``dlr-url`` the worker gave with each message
(``/sms/dlr?key=<token>&ref=<signed reference>&status=<type>``). A provider posts JSON to the same
paths (``{"from", "body"}``; ``{"client_reference", "status"}``). The token sits in the query,
which the access log never writes (``config/gunicorn.conf.py`` logs the path only), and without it
the answer is 404. The answer is always empty, so Kannel sends nothing back by itself; a HELP
reply goes through the outbox. Nothing about the sender is logged. Thin: ``subscriptions.inbound``
does the work.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from alerts.delivery.sms import kannel
from ugly_mugs.subscriptions import inbound
from ugly_mugs.subscriptions import service as subs
from ugly_mugs.web import database
from ugly_mugs.web.access import public

bp = Blueprint("sms_gateway", __name__)

# A provider's words for its delivery states, mapped to ours.
_PROVIDER_STATES = {
    "delivered": "delivered",
    "failed": "failed",
    "rejected": "failed",
    "expired": "failed",
    "undeliverable": "failed",
    "queued": "pending",
    "dispatched": "pending",
    "accepted": "pending",
}


@bp.before_request
def _signed_only():
    cfg = current_app.config
    if not cfg["SUBSCRIPTIONS"] or not inbound.token_matches(cfg, request.args.get("key", "")):
        abort(404)


def _empty(status: int = 200):
    return "", status, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/sms/inbound", methods=["GET", "POST"])
@public
def reply():
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("from"), str) or not isinstance(body.get("body"), str):
            return _empty(400)
        sender, text = body["from"], body["body"]
    else:
        try:
            message = kannel.parse_inbound(request.query_string.decode("latin-1"))
        except ValueError:
            return _empty(400)
        sender, text = message.sender, message.text
    cfg = current_app.config
    inbound.handle_reply(database.session(), sender[:32], text[:1600], cfg["PHONE_REGION"], subs.Limits.of(cfg))
    database.session().commit()
    return _empty()


@bp.route("/sms/dlr", methods=["GET", "POST"])
@public
def delivery_report():
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _empty(400)
        ref, state = body.get("client_reference"), _PROVIDER_STATES.get(str(body.get("status", "")).lower())
    else:
        ref = request.args.get("ref", "")
        try:
            state = kannel.delivery_state(request.args.get("status", ""))
        except ValueError:
            state = None
    delivery_id = inbound.delivery_of(inbound.inbound_key(current_app.config), ref if isinstance(ref, str) else "")
    if delivery_id is None or state is None:
        return _empty(400)
    inbound.record_report(database.session(), delivery_id, state)
    database.session().commit()
    return _empty()
