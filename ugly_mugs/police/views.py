"""The police portal. An officer sees only releases to their own unit; any other id answers
exactly like an id that does not exist. Content is shown only in answer to a POST with a
reason, decrypted with the unit key the officer holds, and every opening and export is audited.
What each page shows comes from ``ugly_mugs.police.portal``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from ugly_mugs import consent
from ugly_mugs.models import PoliceRelease, Report
from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.police import portal, release
from ugly_mugs.police.forms import OPEN_REASONS, OpenForm, OutcomeForm
from ugly_mugs.reports import reading, sections
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm
from ugly_mugs.web.images import photo_response

bp = Blueprint("police", __name__, url_prefix="/police")


def _release(release_id: int) -> tuple[PoliceRelease, Report]:
    found = portal.find(database.session(), release_id, current_account())
    if found is None:
        abort(404)
    return found


@bp.get("/reports")
@roles("police")
def reports():
    return render_template(
        "police/reports.html",
        rows=portal.unit_list(database.session(), current_account()),
        consent_labels=consent.LABELS,
        outcome_labels=OUTCOME_LABELS,
    )


def _detail(item: PoliceRelease, report: Report, pair=None, view=None, status: int = 200, **forms):
    """The release page; ``pair`` is the unit key the caller already opened, ``view`` what it opened."""
    page = portal.release_page(database.session(), item, report, pair, view)
    return (
        render_template(
            "police/report.html",
            **vars(page),
            outcome_labels=OUTCOME_LABELS,
            open_form=forms.get("open_form") or OpenForm(),
            outcome_form=forms.get("outcome_form") or OutcomeForm(),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get("/reports/<int:release_id>")
@roles("police")
def report(release_id: int):
    return _detail(*_release(release_id))


def _open(item: PoliceRelease, form: OpenForm):
    """The unit key and what it opens for the officer, or (None, None) with the reason in the form's errors."""
    if item.consent_withdrawn_at is not None:
        return None, None
    pair = keyring.unit_pair()
    if pair is None:
        form.reason.errors = ["You do not hold your unit's key yet. See the Keys page."]
        return None, None
    db = database.session()
    view = release.read_for_police(db, item, current_account(), pair, form.reason.data)
    db.commit()
    return pair, view


@bp.post("/reports/<int:release_id>/open")
@roles("police")
def open_report(release_id: int):
    item, report = _release(release_id)
    form = OpenForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, open_form=form)
    pair, view = _open(item, form)
    if view is None:
        return _detail(item, report, status=403 if form.reason.errors else 200, open_form=form)
    return _detail(item, report, pair=pair, view=view)


@bp.post("/reports/<int:release_id>/export.<kind>")
@roles("police")
def export(release_id: int, kind: str):
    item, report = _release(release_id)
    if kind not in portal.EXPORT_KINDS:
        abort(404)
    form = OpenForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, open_form=form)
    pair, view = _open(item, form)
    if view is None:
        return _detail(item, report, status=403 if form.reason.errors else 200, open_form=form)
    db = database.session()
    photos = release.photos_for_export(db, item, pair, view.opened.photos)
    exported = portal.export(db, report, current_account(), view.opened, kind, photos)
    db.commit()
    return Response(
        exported.body,
        mimetype=exported.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )


@bp.post("/reports/<int:release_id>/photos/<name>/<int:version>")
@roles("police")
def photo(release_id: int, name: str, version: int):
    """One photo the unit key opens (only those the consent covers), after a stated reason (audited)."""
    item, report = _release(release_id)
    if name not in sections.PHOTO_NAMES:
        abort(404)
    form = OpenForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, open_form=form)
    pair = keyring.unit_pair()
    if pair is None:
        form.reason.errors = ["You do not hold your unit's key yet. See the Keys page."]
        return _detail(item, report, status=403, open_form=form)
    db = database.session()
    ref = reading.PhotoRef(name, version)
    data = release.read_photo_for_police(db, item, current_account(), pair, form.reason.data, ref)
    if data is None:
        abort(404)
    db.commit()
    return photo_response(data, f"{report.reference}-{name}-{version}")


@bp.post("/reports/<int:release_id>/acknowledge")
@roles("police")
def acknowledge(release_id: int):
    item, _report = _release(release_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = database.session()
    release.acknowledge(db, item, current_account())
    db.commit()
    return redirect(url_for("police.report", release_id=item.id))


@bp.post("/reports/<int:release_id>/outcome")
@roles("police")
def outcome(release_id: int):
    item, report = _release(release_id)
    form = OutcomeForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, outcome_form=form)
    db = database.session()
    try:
        release.record_outcome(
            db, item, current_account(), form.outcome.data, form.outcome_date.data, form.crime_reference.data or ""
        )
    except release.ReleaseError as refused:
        db.rollback()
        form.crime_reference.errors = [str(refused)]
        return _detail(item, report, status=409, outcome_form=form)
    db.commit()
    return redirect(url_for("police.report", release_id=item.id))


__all__ = ["OPEN_REASONS", "bp"]
