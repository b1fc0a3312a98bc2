"""A passed-on report as PDF for the officer: only the fields their unit key opened."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table


def report_pdf(reference: str, rows: list[list[str]], identity_withheld: bool) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    story = [Paragraph(f"Report {escape(reference)}", styles["Title"])]
    if identity_withheld:
        story.append(
            Paragraph(
                "The reporter's identity is withheld: they agreed to anonymous intelligence only. Passages "
                "marked [withheld] locate or contact them.",
                styles["Normal"],
            )
        )
    story.append(Spacer(1, 12))
    data = [["Section", "Field", "Value"]] + [
        [escape(section), escape(field), Paragraph(escape(value), styles["Normal"])]
        for _, section, _, field, value in rows
    ]
    story.append(Table(data, colWidths=[70, 120, 300], repeatRows=1))
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Report {reference}").build(story)
    return buffer.getvalue()
