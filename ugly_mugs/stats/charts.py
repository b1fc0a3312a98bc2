"""Charts of a period's figures, laid out once and drawn twice: as inline SVG and in the PDF.

Each chart is a list of plain shapes (boxes, texts, rules) in a 640-unit-wide space with y
growing downwards; ``svg`` writes them as SVG for the pages (no script, nothing fetched,
styled by attributes) and ``export`` redraws the same shapes with ReportLab, so the page and
the PDF cannot disagree about what is drawn.

Withheld numbers are never drawn: a bar that would show one is left out and marked with
an asterisk, and a stacked bar draws only its shown parts (plus one grey "withheld" part
when its total is shown, which the table beside it gives away anyway). Each chart is an
image for screen readers whose text points to the table beside it, which holds the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from ugly_mugs.stats.figures import Cell, PeriodFigures

WIDTH = 640
PALETTE = ("#1b5e9a", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#444444", "#b8860b")
WITHHELD = "#bdbdbd"
GRID = "#dddddd"
FONT_SIZE = 12


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    anchor: str = "start"  # start, middle or end
    rotate: float = 0  # degrees, clockwise as in SVG, about (x, y)


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = GRID


@dataclass
class Chart:
    id: str
    title: str
    height: float
    shapes: list[Box | Text | Rule] = field(default_factory=list)
    width: float = WIDTH


def svg(chart: Chart) -> str:
    """The chart as an inline SVG element; labels are escaped, everything else is numbers."""
    font = f'font-family="sans-serif" font-size="{FONT_SIZE}"'
    body = []
    for s in chart.shapes:
        if isinstance(s, Box):
            body.append(
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.width:.1f}" height="{s.height:.1f}" fill="{s.fill}"/>'
            )
        elif isinstance(s, Rule):
            body.append(
                f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" '
                f'stroke="{s.colour}" stroke-width="1"/>'
            )
        else:
            anchor = f' text-anchor="{s.anchor}"' if s.anchor != "start" else ""
            turn = f' transform="rotate({s.rotate:g} {s.x:.1f} {s.y:.1f})"' if s.rotate else ""
            body.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}"{anchor}{turn} {font}>{escape(s.text)}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {chart.width:g} {chart.height:g}" width="{chart.width:g}" height="{chart.height:g}" '
        f'aria-labelledby="{chart.id}-title">'
        f'<title id="{chart.id}-title">{escape(chart.title)} (the numbers are in the table beside it)</title>'
        + "".join(body)
        + "</svg>"
    )


def _nice_max(value: float, least_step: int = 5) -> int:
    """The top of the axis: four gridline steps of 1, 2 or 5 times a power of ten, at least ``least_step``.

    Steps of at least the suppression threshold keep any axis label from looking like a
    withheld small count.
    """
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if step >= least_step and 4 * step >= value:
                return 4 * step
        power *= 10


def _axis(left: float, top: float, plot_h: float, plot_w: float, top_value: int, percent: bool = False) -> list:
    parts: list = []
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        label = f"{value:.0f}%" if percent else (f"{value:.0f}" if value == int(value) else f"{value:.1f}")
        parts.append(Rule(left, y, left + plot_w, y))
        parts.append(Text(left - 6, y + 4, label, "end"))
    return parts


def _legend_width(name: str) -> int:
    return 24 + 7 * len(name)


def _legend(names: Sequence[str], top: float, colours: Sequence[str]) -> list:
    parts: list = []
    x, y = 10, top
    for name, colour in zip(names, colours, strict=True):
        width = _legend_width(name)
        if x + width > WIDTH:
            x, y = 10, y + 18
        parts.append(Box(x, y, 12, 12, colour))
        parts.append(Text(x + 16, y + 10, name))
        x += width
    return parts


def _legend_height(names: Sequence[str]) -> int:
    rows, x = 1, 10
    for name in names:
        width = _legend_width(name)
        if x + width > WIDTH:
            rows, x = rows + 1, 10
        x += width
    return rows * 18 + 6


def _tick(x: float, y: float, label: str, count: int) -> Text:
    # Rotated labels once there are too many to fit side by side.
    if count > 8:
        return Text(x, y + 12, label, "end", rotate=-45)
    return Text(x, y + 16, label, "middle")


def _mark(x: float, y: float, text: str) -> list:
    return [Text(x, y, text, "middle")] if text else []


def bars(chart_id: str, title: str, labels: Sequence[str], cells: Sequence[Cell], threshold: int = 5) -> Chart:
    """Vertical bars, one per label (reports per week or month)."""
    left, top, plot_h = 48, 12, 200
    plot_w = WIDTH - left - 10
    top_value = _nice_max(max((c.value for c in cells if c.shown), default=0), threshold)
    slot = plot_w / max(1, len(cells))
    shapes = _axis(left, top, plot_h, plot_w, top_value)
    for i, (label, c) in enumerate(zip(labels, cells, strict=True)):
        x = left + i * slot + slot * 0.15
        if c.shown:
            h = plot_h * c.value / top_value
            shapes.append(Box(x, top + plot_h - h, slot * 0.7, h, PALETTE[0]))
        else:
            shapes += _mark(x + slot * 0.35, top + plot_h - 4, "*")
        shapes.append(_tick(x + slot * 0.35, top + plot_h, label, len(cells)))
    return Chart(chart_id, title, top + plot_h + 60, shapes)


def stacked(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Cell]]],
    totals: Sequence[Cell] | None = None,
    percent: bool = False,
    threshold: int = 5,
) -> Chart:
    """Stacked bars per label; with ``percent`` each bar is the share of its total (which must be shown)."""
    left, top, plot_h = 48, 12, 200
    plot_w = WIDTH - left - 10
    names = [name for name, _ in series]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    count = len(labels)
    sums = [sum(cells[i].value for _, cells in series if cells[i].shown) for i in range(count)]
    top_value = 100 if percent else _nice_max(max(sums, default=0), threshold)
    slot = plot_w / max(1, count)
    shapes = _axis(left, top, plot_h, plot_w, top_value, percent=percent)
    for i in range(count):
        x = left + i * slot + slot * 0.15
        base = top + plot_h
        scale_total = None
        if percent:
            total = totals[i] if totals else None
            if total is None or not total.shown or not total.value:
                shapes += _mark(x + slot * 0.35, base - 4, "*" if total is not None and not total.shown else "")
                shapes.append(_tick(x + slot * 0.35, base, labels[i], count))
                continue
            scale_total = total.value
        shown_sum = 0
        for (_, cells), colour in zip(series, colours, strict=True):
            c = cells[i]
            if not c.shown or not c.value:
                continue
            value = 100 * c.value / scale_total if percent else c.value
            h = plot_h * value / top_value
            base -= h
            shown_sum += c.value
            shapes.append(Box(x, base, slot * 0.7, h, colour))
        if percent and scale_total and shown_sum < scale_total:
            h = plot_h * (scale_total - shown_sum) / scale_total
            shapes.append(Box(x, base - h, slot * 0.7, h, WITHHELD))
        if any(not cells[i].shown for _, cells in series):
            shapes += _mark(x + slot * 0.35, top + plot_h - 4 if not shown_sum else base - 4, "*")
        shapes.append(_tick(x + slot * 0.35, top + plot_h, labels[i], count))
    legend_top = top + plot_h + (70 if count > 8 else 30)
    legend_names = names + (["withheld*"] if percent else [])
    shapes += _legend(legend_names, legend_top, colours + ([WITHHELD] if percent else []))
    return Chart(chart_id, title, legend_top + _legend_height(legend_names), shapes)


def horizontal(chart_id: str, title: str, labels: Sequence[str], cells: Sequence[Cell], threshold: int = 5) -> Chart:
    """Horizontal bars, one per label (areas, who filed, police outcomes)."""
    label_w, top, row_h = 230, 8, 26
    plot_w = WIDTH - label_w - 60
    top_value = _nice_max(max((c.value for c in cells if c.shown), default=0), threshold)
    shapes: list = []
    for i, (label, c) in enumerate(zip(labels, cells, strict=True)):
        y = top + i * row_h
        shapes.append(Text(label_w - 8, y + 16, label, "end"))
        if c.shown:
            w = plot_w * c.value / top_value
            shapes.append(Box(label_w, y + 4, w, row_h - 8, PALETTE[0]))
            shapes.append(Text(label_w + w + 6, y + 16, str(c.value)))
        else:
            shapes.append(Text(label_w + 6, y + 16, "*"))
    return Chart(chart_id, title, top + len(cells) * row_h + 8, shapes)


def _rows_of(f: PeriodFigures, table_id: str) -> tuple[list[str], list[Cell]]:
    """The labels and single column of a one-column table, without its total row."""
    rows = f.tables[table_id].rows[:-1]
    return [label for label, _ in rows], [cells[0] for _, cells in rows]


# Which table each chart stands beside, in the order the pages and the PDF show them.
CHART_TABLES = {
    "per_bucket": "per_bucket",
    "categories": "categories",
    "consent_over_time": "consent_over_time",
    "areas": "areas",
    "reporters": "reporters",
    "police": "police",
    "alert_time": "alert_time",
}


def for_figures(f: PeriodFigures) -> dict[str, Chart]:
    """Every chart of the period, keyed like ``CHART_TABLES``."""
    labels = [b.label for b in f.buckets]
    t = f.tables
    least = f.threshold
    return {
        "per_bucket": bars("chart-per-bucket", t["per_bucket"].title, labels, f.per_bucket, least),
        "categories": stacked("chart-categories", t["categories"].title, labels, f.category_series, threshold=least),
        "consent_over_time": stacked(
            "chart-consent", "Share of reports by consent given", labels, f.consent_series, f.per_bucket, percent=True
        ),
        "areas": horizontal("chart-areas", t["areas"].title, *_rows_of(f, "areas"), least),
        "reporters": horizontal("chart-reporters", t["reporters"].title, *_rows_of(f, "reporters"), least),
        "police": horizontal("chart-police", t["police"].title, *_rows_of(f, "police"), least),
        "alert_time": horizontal("chart-alert-time", t["alert_time"].title, *_rows_of(f, "alert_time"), least),
    }
