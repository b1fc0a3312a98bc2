"""Monitoring pages for coordinators and admins: dashboard, printable period report, PDF and CSV.

Thin: read the period picker, count, build the suppressed figures, render. Every page shows
only what ``figures.build`` let through.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from ugly_mugs.stats import charts, export, figures, queries
from ugly_mugs.stats.forms import PeriodForm
from ugly_mugs.stats.periods import Period, default_period, period_for
from ugly_mugs.web import database, localtime
from ugly_mugs.web.access import roles
from ugly_mugs.web.errors import render_error

bp = Blueprint("stats", __name__, url_prefix="/stats")

MONITORS = ("coordinator", "admin")


def _period() -> tuple[PeriodForm, Period, bool]:
    """The chosen period, or the one the pages open on; the flag says the choice was invalid."""
    form = PeriodForm(request.args)
    chosen = "kind" in request.args or "start" in request.args
    if chosen and form.validate():
        return form, period_for(form.kind.data, form.start.data), False
    period = default_period(localtime.today(), partial(queries.latest_received_day, database.session()))
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


def _refused(form: PeriodForm):
    """A download of a period that cannot be read: 400 with what was wrong with it."""
    problems = [message for errors in form.errors.values() for message in errors]
    return render_error(400, " ".join(str(p) for p in problems) or None)


def _download(body: bytes | str, mimetype: str, period: Period, extension: str) -> Response:
    name = f"ugly-mugs-{period.kind.replace('_', '-')}-{period.start.isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/report.pdf")
@roles(*MONITORS)
def period_report_pdf():
    form, period, invalid = _period()
    if invalid:
        return _refused(form)
    return _download(export.to_pdf(_figures(period)), "application/pdf", period, "pdf")


@bp.get("/export.csv")
@roles(*MONITORS)
def export_csv():
    form, period, invalid = _period()
    if invalid:
        return _refused(form)
    return _download(export.to_csv(_figures(period)), "text/csv", period, "csv")
