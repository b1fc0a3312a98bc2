"""Monitoring pages for coordinators and admins: dashboard, printable period report, PDF and CSV.

Thin: read the period picker, count, build the suppressed figures, render. Every page shows
only what ``figures.build`` let through.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from flask import Blueprint, Response, abort, current_app, render_template, request
from markupsafe import Markup

from ugly_mugs.stats import charts, export, figures, queries
from ugly_mugs.stats.forms import PeriodForm
from ugly_mugs.stats.periods import Period, default_period, period_for
from ugly_mugs.web import database
from ugly_mugs.web.access import roles

bp = Blueprint("stats", __name__, url_prefix="/stats")

MONITORS = ("coordinator", "admin")


def _period() -> tuple[PeriodForm, Period, bool]:
    """The chosen period, or the one the pages open on; the flag says the choice was invalid."""
    form = PeriodForm(request.args)
    chosen = "kind" in request.args or "start" in request.args
    if chosen and form.validate():
        return form, period_for(form.kind.data, form.start.data), False
    period = default_period(datetime.now(UTC).date(), partial(queries.latest_received_day, database.session()))
    if not chosen:
        form = PeriodForm(data={"kind": period.kind, "start": period.start})
    return form, period, chosen


def _figures(period: Period) -> figures.PeriodFigures:
    counts = queries.count_period(database.session(), period)
    return figures.build(counts, current_app.config["CATEGORIES"], current_app.config["SUPPRESSION_THRESHOLD"])


def _charts(f: figures.PeriodFigures) -> dict[str, Markup]:
    # The SVG is built from numbers and escaped labels only.
    return {k: Markup(charts.svg(c)) for k, c in charts.for_figures(f).items()}  # noqa: S704


def _query(period: Period) -> dict[str, str]:
    return {"kind": period.kind, "start": period.start.isoformat()}


@bp.get("")
@roles(*MONITORS)
def dashboard():
    form, period, invalid = _period()
    f = _figures(period)
    return render_template(
        "stats/dashboard.html", form=form, f=f, charts=_charts(f), query=_query(period), period=period
    ), 400 if invalid else 200


@bp.get("/report")
@roles(*MONITORS)
def period_report():
    form, period, invalid = _period()
    f = _figures(period)
    return render_template(
        "stats/report.html", form=form, f=f, charts=_charts(f), query=_query(period), period=period
    ), 400 if invalid else 200


def _download(body: bytes | str, mimetype: str, period: Period, extension: str) -> Response:
    name = f"ugly-mugs-{period.kind.replace('_', '-')}-{period.start.isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/report.pdf")
@roles(*MONITORS)
def period_report_pdf():
    _, period, invalid = _period()
    if invalid:
        abort(400)
    return _download(export.to_pdf(_figures(period)), "application/pdf", period, "pdf")


@bp.get("/export.csv")
@roles(*MONITORS)
def export_csv():
    _, period, invalid = _period()
    if invalid:
        abort(400)
    return _download(export.to_csv(_figures(period)), "text/csv", period, "csv")
