"""The failed-deliveries page: deliveries the worker gave up on, with a button to try again."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from alerts.delivery import failures
from ugly_mugs import audit
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("deliveries", __name__, url_prefix="/admin/deliveries")


@bp.get("")
@roles("admin", "coordinator")
def failed():
    db = database.session()
    return render_template(
        "projects/deliveries.html", failed=failures.failed(db), counts=failures.counts(db), confirm=ConfirmForm()
    )


@bp.post("/<int:delivery_id>/retry")
@roles("admin", "coordinator")
def retry(delivery_id: int):
    db = database.session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not failures.retry(db, delivery_id):
        abort(404)
    audit.record(db, "delivery_retried", actor_id=current_account().id, detail={"delivery": delivery_id})
    db.commit()
    return redirect(url_for("deliveries.failed"))
