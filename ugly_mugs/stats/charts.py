"""Charts drawn on the server as inline SVG: no script, nothing fetched, styled by attributes.

Withheld numbers are never drawn: a bar that would show one is left out and marked with
an asterisk, and a stacked bar draws only its shown parts (plus one grey "withheld" part
when its total is shown, which the table beside it gives away anyway). Each chart is an
image for screen readers whose text points to the table beside it, which holds the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ugly_mugs.stats.figures import Cell

WIDTH = 640
PALETTE = ("#1b5e9a", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#444444", "#b8860b")
WITHHELD = "#bdbdbd"
FONT = 'font-family="sans-serif" font-size="12"'


def _svg(title: str, height: int, body: list[str], chart_id: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="{chart_id}-title">'
        f'<title id="{chart_id}-title">{escape(title)} (the numbers are in the table beside it)</title>'
        + "".join(body)
        + "</svg>"
    )


def _nice_max(value: float) -> int:
    """The top of the axis: four gridline steps of 1, 2 or 5 times a power of ten, at least 5.

    Steps of at least 5 keep any axis label from looking like a withheld small count.
    """
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if step >= 5 and 4 * step >= value:
                return 4 * step
        power *= 10


def _axis(left: int, top: int, plot_h: int, plot_w: int, top_value: int, percent: bool = False) -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        label = f"{value:.0f}%" if percent else (f"{value:.0f}" if value == int(value) else f"{value:.1f}")
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{label}</text>'
        )
    return parts


def _legend(names: Sequence[str], top: int, colours: Sequence[str]) -> list[str]:
    parts = []
    x, y = 10, top
    for name, colour in zip(names, colours, strict=True):
        width = 24 + 7 * len(name)
        if x + width > WIDTH:
            x, y = 10, y + 18
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 10}" {FONT}>{escape(name)}</text>'
        )
        x += width
    return parts


def _legend_height(names: Sequence[str]) -> int:
    rows, x = 1, 10
    for name in names:
        width = 24 + 7 * len(name)
        if x + width > WIDTH:
            rows, x = rows + 1, 10
        x += width
    return rows * 18 + 6


def bars(chart_id: str, title: str, labels: Sequence[str], cells: Sequence[Cell]) -> str:
    """Vertical bars, one per label (reports per week or month)."""
    left, top, plot_h = 48, 12, 200
    plot_w = WIDTH - left - 10
    top_value = _nice_max(max((c.value for c in cells if c.shown), default=0))
    slot = plot_w / max(1, len(cells))
    body = _axis(left, top, plot_h, plot_w, top_value)
    for i, (label, c) in enumerate(zip(labels, cells, strict=True)):
        x = left + i * slot + slot * 0.15
        if c.shown:
            h = plot_h * c.value / top_value
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[0]}"/>'
            )
        else:
            body.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h - 4}" text-anchor="middle" {FONT}>*</text>')
        body.append(_tick(x + slot * 0.35, top + plot_h, label, len(cells)))
    return _svg(title, top + plot_h + 60, body, chart_id)


def _tick(x: float, y: float, label: str, count: int) -> str:
    # Rotated labels once there are too many to fit side by side.
    if count > 8:
        return (
            f'<text x="{x:.1f}" y="{y + 12}" text-anchor="end" transform="rotate(-45 {x:.1f} {y + 12})" '
            f"{FONT}>{escape(label)}</text>"
        )
    return f'<text x="{x:.1f}" y="{y + 16}" text-anchor="middle" {FONT}>{escape(label)}</text>'


def stacked(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Cell]]],
    totals: Sequence[Cell] | None = None,
    percent: bool = False,
) -> str:
    """Stacked bars per label; with ``percent`` each bar is the share of its total (which must be shown)."""
    left, top, plot_h = 48, 12, 200
    plot_w = WIDTH - left - 10
    names = [name for name, _ in series]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    count = len(labels)
    sums = [sum(cells[i].value for _, cells in series if cells[i].shown) for i in range(count)]
    top_value = 100 if percent else _nice_max(max(sums, default=0))
    slot = plot_w / max(1, count)
    body = _axis(left, top, plot_h, plot_w, top_value, percent=percent)
    for i in range(count):
        x = left + i * slot + slot * 0.15
        base = top + plot_h
        scale_total = None
        if percent:
            total = totals[i] if totals else None
            if total is None or not total.shown or not total.value:
                body.append(_mark(x + slot * 0.35, base - 4, "*" if total is not None and not total.shown else ""))
                body.append(_tick(x + slot * 0.35, base, labels[i], count))
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
            body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{colour}"/>')
        if percent and scale_total and shown_sum < scale_total:
            h = plot_h * (scale_total - shown_sum) / scale_total
            body.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{WITHHELD}"/>'
            )
        if any(not cells[i].shown for _, cells in series):
            body.append(_mark(x + slot * 0.35, top + plot_h - 4 if not shown_sum else base - 4, "*"))
        body.append(_tick(x + slot * 0.35, top + plot_h, labels[i], count))
    legend_top = top + plot_h + (70 if count > 8 else 30)
    legend_names = names + (["withheld*"] if percent else [])
    body += _legend(legend_names, legend_top, colours + ([WITHHELD] if percent else []))
    return _svg(title, legend_top + _legend_height(legend_names), body, chart_id)


def _mark(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" {FONT}>{text}</text>' if text else ""


def horizontal(chart_id: str, title: str, labels: Sequence[str], cells: Sequence[Cell]) -> str:
    """Horizontal bars, one per label (areas, who filed)."""
    label_w, top, row_h = 230, 8, 26
    plot_w = WIDTH - label_w - 60
    top_value = _nice_max(max((c.value for c in cells if c.shown), default=0))
    body = []
    for i, (label, c) in enumerate(zip(labels, cells, strict=True)):
        y = top + i * row_h
        body.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" {FONT}>{escape(label)}</text>')
        if c.shown:
            w = plot_w * c.value / top_value
            body.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}"/>')
            body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" {FONT}>{c.value}</text>')
        else:
            body.append(f'<text x="{label_w + 6}" y="{y + 16}" {FONT}>*</text>')
    return _svg(title, top + len(cells) * row_h + 8, body, chart_id)
