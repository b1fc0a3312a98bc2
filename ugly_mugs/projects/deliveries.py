"""The failed-deliveries page: deliveries the worker gave up on, with a button to try again."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from ugly_mugs.projects import service
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("deliveries", __name__, url_prefix="/admin/deliveries")


@bp.get("")
@roles("admin", "coordinator")
def failed():
    page = service.deliveries_page(database.session())
    return render_template("projects/deliveries.html", failed=page.failed, counts=page.counts, confirm=ConfirmForm())


@bp.post("/<int:delivery_id>/retry")
@roles("admin", "coordinator")
def retry(delivery_id: int):
    db = database.session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not service.retry_delivery(db, delivery_id, current_account().id):
        abort(404)
    db.commit()
    return redirect(url_for("deliveries.failed"))
