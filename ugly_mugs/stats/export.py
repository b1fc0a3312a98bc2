"""The period's figures as CSV (aggregates only, safe to open in a spreadsheet) and as PDF.

CSV: one line per published number, with the table, row and column it belongs to (then the
median and 90th percentile of the time from report to alert, in hours); a cell
a spreadsheet could take for a formula (starting with = + - @, a tab or a carriage return)
is prefixed with an apostrophe, since area and category names come from configuration.
PDF: drawn with ReportLab through the scheme's document helper (``ugly_mugs.pdf``: DejaVu Sans,
so configured area and category names print in any script), with the same sentences, charts and
tables as the printable page, and the same numbers withheld: every chart is the one the pages
show (``charts.for_figures``), redrawn shape by shape, followed by its table.
"""

from __future__ import annotations

import csv
import io

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from ugly_mugs import pdf
from ugly_mugs.stats import charts
from ugly_mugs.stats.figures import PeriodFigures, Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(figures: PeriodFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period", "table", "row", "column", "value"])
    period = f"{figures.period.start.isoformat()} to {figures.period.last_day.isoformat()}"
    for table in figures.tables.values():
        for label, cells in table.rows:
            for column, c in zip(table.columns, cells, strict=True):
                writer.writerow([safe(v) for v in (period, table.title, label, column, figures.text(c))])
    # Median and 90th percentile in hours to one decimal, so that they never read as counts.
    for label, hours in (("Median", figures.alert_median_hours), ("90th percentile", figures.alert_p90_hours)):
        shown = f"{hours:.1f}" if hours is not None else dict(figures.alert_time_summary)[label]
        writer.writerow([safe(v) for v in (period, "Time from report to alert", label, "Hours", shown)])
    writer.writerow([safe(figures.footnote), "", "", "", ""])
    return out.getvalue()


# A paragraph of plain text: ReportLab reads markup in paragraphs, and names come from configuration.
Paragraph = pdf.paragraph


def _drawing(chart: charts.Chart, width: float = 170 * mm) -> Drawing:
    """The chart's shapes redrawn with ReportLab, scaled to ``width`` (ReportLab's y grows upwards)."""
    scale = width / chart.width
    height = chart.height * scale
    drawing = Drawing(width, height)
    # The drawing's own starting state too, so that no built-in font is referenced.
    drawing.initialFontName = pdf.fonts().regular
    for s in chart.shapes:
        if isinstance(s, charts.Box):
            drawing.add(
                Rect(
                    s.x * scale,
                    height - (s.y + s.height) * scale,
                    s.width * scale,
                    s.height * scale,
                    fillColor=colors.HexColor(s.fill),
                    strokeColor=None,
                )
            )
        elif isinstance(s, charts.Rule):
            drawing.add(
                Line(
                    s.x1 * scale,
                    height - s.y1 * scale,
                    s.x2 * scale,
                    height - s.y2 * scale,
                    strokeColor=colors.HexColor(s.colour),
                    strokeWidth=0.5,
                )
            )
        else:
            text = String(
                0, 0, s.text, fontName=pdf.fonts().regular, fontSize=charts.FONT_SIZE * scale, textAnchor=s.anchor
            )
            placed = Group(text)
            placed.translate(s.x * scale, height - s.y * scale)
            if s.rotate:
                # SVG turns clockwise with y down; the same turn is counter-clockwise with y up.
                placed.rotate(-s.rotate)
            drawing.add(placed)
    return drawing


def _pdf_table(figures: PeriodFigures, table: Table, styles, heading: bool = True) -> list:
    small = pdf.style(styles["BodyText"], "cell", fontSize=7, leading=8.5)
    head = [Paragraph(table.row_header, small)] + [Paragraph(c, small) for c in table.columns]
    body = [
        [Paragraph(label, small)] + [Paragraph(figures.text(c), small) for c in cells] for label, cells in table.rows
    ]
    width = 170 * mm
    first = 40 * mm
    rest = (width - first) / max(1, len(table.columns))
    grid = pdf.table([head, *body], [first] + [rest] * len(table.columns))
    parts = ([Paragraph(table.title, styles["Heading3"])] if heading else []) + [grid]
    if table.note:
        parts.append(Paragraph(table.note, small))
    return parts


def to_pdf(figures: PeriodFigures, scheme: str = "Ugly Mugs") -> bytes:
    styles = pdf.styles()
    period = figures.period
    story: list = [
        Paragraph(f"{scheme} overview ({period.start:%d.%m.%y} – {period.last_day:%d.%m.%y})", styles["Title"]),
        Paragraph(f"During the {period.in_sentence}:", styles["BodyText"]),
    ]
    for sentence in figures.headlines:
        story.append(Paragraph("• " + sentence, styles["BodyText"]))
    story.append(Spacer(1, 4 * mm))
    for key, chart in charts.for_figures(figures).items():
        table = figures.tables[charts.CHART_TABLES[key]]
        story.append(KeepTogether([Paragraph(chart.title, styles["Heading2"]), _drawing(chart), Spacer(1, 2 * mm)]))
        story.append(KeepTogether(_pdf_table(figures, table, styles, heading=table.title != chart.title)))
        if key == "alert_time":
            for label, text in figures.alert_time_summary:
                story.append(Paragraph(f"{label}: {text}", styles["BodyText"]))
    beside = set(charts.CHART_TABLES.values())
    for table in figures.tables.values():
        if table.id not in beside:
            story.append(KeepTogether(_pdf_table(figures, table, styles)))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(figures.footnote, styles["BodyText"]))
    not_yet = "; ".join(figures.not_yet)
    story.append(Paragraph(f"Not reported yet, as the system does not record them yet: {not_yet}.", styles["Italic"]))
    # No creation date or producer details beyond the library's: the file says what it reports and nothing else.
    return pdf.build(
        story, title=f"{scheme} overview {period.start.isoformat()} to {period.last_day.isoformat()}", author=scheme
    )
