"""The period's figures as CSV (aggregates only, safe to open in a spreadsheet) and as PDF.

CSV: one line per published number, with the table, row and column it belongs to; a cell
a spreadsheet could take for a formula (starting with = + - @, a tab or a carriage return)
is prefixed with an apostrophe, since area and category names come from configuration.
PDF: drawn with ReportLab (pure Python, no system packages), with the same sentences,
charts and tables as the printable page, and the same numbers withheld.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from html import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as _Paragraph
from reportlab.platypus import Table as PdfTable

from ugly_mugs.stats.charts import PALETTE, _nice_max
from ugly_mugs.stats.figures import Cell, PeriodFigures, Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(figures: PeriodFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["period", "table", "row", "column", "reports"])
    period = f"{figures.period.start.isoformat()} to {figures.period.last_day.isoformat()}"
    for table in figures.tables.values():
        for label, cells in table.rows:
            for column, c in zip(table.columns, cells, strict=True):
                writer.writerow([safe(v) for v in (period, table.title, label, column, figures.text(c))])
    writer.writerow([safe(figures.footnote), "", "", "", ""])
    return out.getvalue()


def Paragraph(text: str, style) -> _Paragraph:  # noqa: N802 - stands in for ReportLab's class
    """A paragraph of plain text: ReportLab reads markup in paragraphs, and names come from configuration."""
    return _Paragraph(escape(text), style)


def _bar_drawing(labels: Sequence[str], cells: Sequence[Cell], width: float = 170 * mm) -> Drawing:
    height, left, bottom = 60 * mm, 12 * mm, 12 * mm
    plot_w, plot_h = width - left - 4 * mm, height - bottom - 4 * mm
    top_value = _nice_max(max((c.value for c in cells if c.shown), default=0))
    drawing = Drawing(width, height)
    for i in range(5):
        y = bottom + plot_h * i / 4
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=colors.lightgrey, strokeWidth=0.5))
        drawing.add(String(left - 2, y - 3, f"{top_value * i // 4}", fontSize=7, textAnchor="end"))
    slot = plot_w / max(1, len(cells))
    for i, (label, c) in enumerate(zip(labels, cells, strict=True)):
        x = left + i * slot + slot * 0.15
        if c.shown:
            drawing.add(
                Rect(
                    x,
                    bottom,
                    slot * 0.7,
                    plot_h * c.value / top_value,
                    fillColor=colors.HexColor(PALETTE[0]),
                    strokeColor=None,
                )
            )
        else:
            drawing.add(String(x + slot * 0.35, bottom + 2, "*", fontSize=8, textAnchor="middle"))
        if len(cells) <= 14 or i % 2 == 0:
            drawing.add(String(x + slot * 0.35, bottom - 9, label[5:], fontSize=6, textAnchor="middle"))
    return drawing


def _pdf_table(figures: PeriodFigures, table: Table, styles) -> list:
    small = styles["BodyText"].clone("cell", fontSize=7, leading=8.5)
    head = [Paragraph(table.row_header, small)] + [Paragraph(c, small) for c in table.columns]
    body = [
        [Paragraph(label, small)] + [Paragraph(figures.text(c), small) for c in cells] for label, cells in table.rows
    ]
    width = 170 * mm
    first = 40 * mm
    rest = (width - first) / max(1, len(table.columns))
    grid = PdfTable([head, *body], colWidths=[first] + [rest] * len(table.columns), repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    parts = [Paragraph(table.title, styles["Heading3"]), grid]
    if table.note:
        parts.append(Paragraph(table.note, small))
    return parts


def to_pdf(figures: PeriodFigures, scheme: str = "Ugly Mugs") -> bytes:
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    period = figures.period
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{scheme} overview {period.start.isoformat()} to {period.last_day.isoformat()}",
        author=scheme,
        # No creation date or producer details beyond the library's: the file says what it reports and nothing else.
        invariant=1,
    )
    story: list = [
        Paragraph(f"{scheme} overview ({period.start:%d.%m.%y} – {period.last_day:%d.%m.%y})", styles["Title"]),
        Paragraph(f"During the {period.title.lower()}:", styles["BodyText"]),
    ]
    for sentence in figures.headlines:
        story.append(Paragraph("• " + sentence, styles["BodyText"]))
    story.append(Spacer(1, 4 * mm))
    labels = [b.label for b in figures.buckets]
    story.append(
        KeepTogether(
            [
                Paragraph(figures.tables["per_bucket"].title, styles["Heading3"]),
                _bar_drawing(labels, figures.per_bucket),
            ]
        )
    )
    for table in figures.tables.values():
        story.append(KeepTogether(_pdf_table(figures, table, styles)))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(figures.footnote, styles["BodyText"]))
    not_yet = "; ".join(figures.not_yet)
    story.append(Paragraph(f"Not reported yet, as the system does not record them yet: {not_yet}.", styles["Italic"]))
    doc.build(story)
    return out.getvalue()
