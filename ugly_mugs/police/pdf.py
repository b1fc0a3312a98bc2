"""A passed-on report as PDF for the officer: only the fields their unit key opened.

Built with the scheme's document helper (``ugly_mugs.pdf``): DejaVu Sans for every script of
the five languages, and a long answer (what happened may be 10,000 characters) split over as
many rows and pages as it needs.
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.platypus import Image

from ugly_mugs import pdf


def report_pdf(reference: str, rows: list[list[str]], identity_withheld: bool, photos: list[bytes] = ()) -> bytes:
    """``rows`` as from ``portal.flatten`` (reference, section, version, field, value); then each
    of ``photos`` (cleaned JPEG bytes the unit key opened), read from memory, at most 170 × 120 mm."""
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
    for number, data_bytes in enumerate(photos, start=1):
        story.append(pdf.paragraph(f"Photo {number}", sheet["Heading2"]))
        picture = Image(io.BytesIO(data_bytes))
        scale = min(170 * mm / picture.imageWidth, 120 * mm / picture.imageHeight, 1.0)
        picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
        story.append(picture)
    return pdf.build(story, title=f"Report {reference}")
