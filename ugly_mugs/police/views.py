"""The police portal. An officer sees only releases to their own unit; any other id answers
exactly like an id that does not exist. Content is shown only in answer to a POST with a
reason, decrypted with the unit key the officer holds, and every opening and export is audited."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from sqlalchemy import select

from ugly_mugs import audit, consent
from ugly_mugs.models import Area, PoliceRelease, Report
from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.police import pdf, release
from ugly_mugs.police.forms import OPEN_REASONS, OpenForm, OutcomeForm
from ugly_mugs.reports import reading
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles
from ugly_mugs.web.forms import ConfirmForm

bp = Blueprint("police", __name__, url_prefix="/police")


def _release(release_id: int) -> tuple[PoliceRelease, Report]:
    db = database.session()
    found = release.release_for_officer(db, release_id, current_account())
    if found is None:
        abort(404)
    return found, db.get(Report, found.report_id)


@bp.get("/reports")
@roles("police")
def reports():
    db = database.session()
    officer = current_account()
    releases = release.releases_for_unit(db, officer.police_unit_id) if officer.police_unit_id else []
    refs = dict(
        db.execute(select(Report.id, Report.reference).where(Report.id.in_([r.report_id for r in releases]))).all()
    )
    levels = dict(
        db.execute(select(Report.id, Report.consent_level).where(Report.id.in_([r.report_id for r in releases]))).all()
    )
    return render_template(
        "police/reports.html",
        releases=releases,
        refs=refs,
        levels=levels,
        outcomes=release.outcomes_for(db, [r.id for r in releases]),
        outcome_labels=OUTCOME_LABELS,
        when=release.when,
    )


def _detail(item: PoliceRelease, report: Report, pair=None, opened=None, status: int = 200, **forms):
    """The release page; ``pair`` is the unit key the caller already opened, to read the note with."""
    db = database.session()
    return (
        render_template(
            "police/report.html",
            item=item,
            report=report,
            area=db.get(Area, report.area_id),
            opened=opened,
            note=release.note_for(item, pair, "unit") if pair else "",
            crime_reference=release.crime_reference_for(item, pair, "unit") if pair else "",
            identity_withheld=report.consent_level != consent.FULL_REPORT,
            outcomes=release.outcomes_for(db, [item.id]).get(item.id, []),
            outcome_labels=OUTCOME_LABELS,
            open_form=forms.get("open_form") or OpenForm(),
            outcome_form=forms.get("outcome_form") or OutcomeForm(),
            confirm=ConfirmForm(),
            when=release.when,
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
    opened = release.read_for_police(db, item, current_account(), pair, form.reason.data)
    db.commit()
    return pair, opened


@bp.post("/reports/<int:release_id>/open")
@roles("police")
def open_report(release_id: int):
    item, report = _release(release_id)
    form = OpenForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, open_form=form)
    pair, opened = _open(item, form)
    if opened is None:
        return _detail(item, report, status=403 if form.reason.errors else 200, open_form=form)
    return _detail(item, report, pair=pair, opened=opened)


@bp.post("/reports/<int:release_id>/export.<kind>")
@roles("police")
def export(release_id: int, kind: str):
    item, report = _release(release_id)
    if kind not in ("csv", "pdf"):
        abort(404)
    form = OpenForm()
    if not form.validate_on_submit():
        return _detail(item, report, status=400, open_form=form)
    _, opened = _open(item, form)
    if opened is None:
        return _detail(item, report, status=403 if form.reason.errors else 200, open_form=form)
    db = database.session()
    audit.record(db, "police_export", actor_id=current_account().id, report_id=report.id, detail={"format": kind})
    db.commit()
    rows = flatten(report.reference, opened)
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["reference", "section", "version", "field", "value"])
        writer.writerows([[_safe(c) for c in row] for row in rows])
        body, mimetype = buffer.getvalue().encode("utf-8"), "text/csv"
    else:
        body, mimetype = (
            pdf.report_pdf(report.reference, rows, report.consent_level != consent.FULL_REPORT),
            "application/pdf",
        )
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{report.reference}.{kind}"'},
    )


def flatten(reference: str, opened: reading.Opened) -> list[list[str]]:
    """One row per field the officer may see: reference, section, version, field, value."""
    rows: list[list[str]] = []
    for name in ("incident", "perpetrator", "identity"):
        for version, content in enumerate(opened.sections.get(name, []), start=1):
            for field, value in _fields(content):
                rows.append([reference, name, str(version), field, value])
    return rows


def _fields(content: dict, prefix: str = ""):
    for key, value in content.items():
        if isinstance(value, dict):
            yield from _fields(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            if value:
                yield f"{prefix}{key}", "; ".join(str(v) for v in value)
        elif value not in ("", None):
            yield f"{prefix}{key}", str(value)


def _safe(cell: str) -> str:
    """Stop a spreadsheet from reading a cell as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@bp.post("/reports/<int:release_id>/acknowledge")
@roles("police")
def acknowledge(release_id: int):
    item, report = _release(release_id)
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
    release.record_outcome(
        db, item, current_account(), form.outcome.data, form.outcome_date.data, form.crime_reference.data or ""
    )
    db.commit()
    return redirect(url_for("police.report", release_id=item.id))


__all__ = ["OPEN_REASONS", "bp"]
