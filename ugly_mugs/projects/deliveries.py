"""The failed-deliveries page: deliveries the worker gave up on, with buttons to try again (one,
a project's, or all), and whether the dispatch workers are alive."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from ugly_mugs.projects import service
from ugly_mugs.projects.forms import RetryFailedForm
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("deliveries", __name__, url_prefix="/admin/deliveries")


def _page(retry_form: RetryFailedForm | None = None, status: int = 200, retried: int | None = None):
    page = service.deliveries_page(database.session(), int(current_app.config["DELIVERY_HEARTBEAT_STALE_SECONDS"]))
    form = retry_form or RetryFailedForm(formdata=None)
    form.project.choices = RetryFailedForm.project_choices(page.failed_projects)
    return render_template(
        "projects/deliveries.html",
        failed=page.failed,
        counts=page.counts,
        health=page.health,
        confirm=ConfirmForm(),
        retry_form=form,
        retried=retried,
    ), status


@bp.get("")
@roles("admin", "coordinator")
def failed():
    return _page()


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


@bp.post("/retry")
@roles("admin", "coordinator")
def retry_many():
    db = database.session()
    form = RetryFailedForm()
    form.project.choices = RetryFailedForm.project_choices(service.deliveries_page_projects(db))
    if not form.validate_on_submit():
        return _page(form, 400)
    project_id = None if form.project.data == RetryFailedForm.ALL else int(form.project.data)
    try:
        count = service.retry_failed(db, project_id, current_account().id)
    except service.ProjectError as exc:
        db.rollback()
        form.project.errors = [str(exc)]
        return _page(form, 400)
    db.commit()
    return _page(retried=count)
