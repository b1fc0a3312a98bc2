"""A passed-on report as PDF for the officer: only the fields their unit key opened.

Built with the scheme's document helper (``ugly_mugs.pdf``): DejaVu Sans for every script of
the five languages, and a long answer (what happened may be 10,000 characters) split over as
many rows and pages as it needs.
"""

from __future__ import annotations

from reportlab.lib.units import mm

from ugly_mugs import pdf


def report_pdf(reference: str, rows: list[list[str]], identity_withheld: bool) -> bytes:
    """``rows`` as from ``portal.flatten`` (reference, section, version, field, value)."""
    sheet = pdf.styles()
    cell = pdf.style(sheet["Normal"], "cell", fontSize=9, leading=11.5)
    story = [pdf.paragraph(f"Report {reference}", sheet["Title"])]
    if identity_withheld:
        story.append(
            pdf.paragraph(
                "The reporter's identity is withheld: they agreed to anonymous intelligence only. Passages "
                "marked [withheld] locate or contact them.",
                sheet["Normal"],
            )
        )
    data: list[list[object]] = [[pdf.paragraph(h, cell) for h in ("Section", "Field", "Value")]]
    for _, section, _, field, value in rows:
        data += pdf.text_rows([pdf.paragraph(section, cell), pdf.paragraph(field, cell)], value, cell)
    story.append(pdf.table(data, [25 * mm, 42 * mm, 103 * mm]))
    return pdf.build(story, title=f"Report {reference}")
