"""The printable sheet as PDF: current warnings by area, for an outreach van to hand out.

Drawn with ReportLab. Bulgarian needs Cyrillic and Romanian needs ș and ț, which ReportLab's
built-in Helvetica lacks, so DejaVu Sans (Debian's ``fonts-dejavu-core``) is used when it is
installed; without it the sheet falls back to Helvetica, which is fine for English.
"""

from __future__ import annotations

import io
from datetime import date
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from alerts.delivery import render
from alerts.delivery.bulletins import AreaGroup
from alerts.delivery.wording import Wording

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans if found, else Helvetica."""
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans", "DejaVuSans-Bold"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _p(text: str, style) -> Paragraph:
    """Plain text in a paragraph: ReportLab reads markup, and alert text is typed by people."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def sheet_pdf(project_name: str, groups: list[AreaGroup], w: Wording, printed_on: date) -> bytes:
    regular, bold = _fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontName=regular, fontSize=11, leading=14)
    strong = ParagraphStyle("strong", parent=body, fontName=bold)
    title = ParagraphStyle("title", parent=base["Title"], fontName=bold, fontSize=18, leading=22)
    area = ParagraphStyle("area", parent=base["Heading2"], fontName=bold, fontSize=14, leading=18)
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=12, leading=15)
    reminder = ParagraphStyle(
        "reminder", parent=strong, fontSize=13, leading=17, borderColor=colors.black, borderWidth=1.5, borderPadding=6
    )

    story = [
        _p(w.alerts_for % {"project": project_name}, title),
        _p(w.printed % {"date": w.day(printed_on)}, body),
        Spacer(1, 4 * mm),
        _p(w.no_warning_means_safe, reminder),
        Spacer(1, 6 * mm),
    ]
    if not groups:
        story.append(_p(w.nothing_current, body))
    for group in groups:
        story.append(_p(w.area_heading % {"area": group.area}, area))
        for m in group.messages:
            facts = Table(
                [[_p(k, strong), _p(v, body)] for k, v in render.facts(m, w)],
                colWidths=[35 * mm, 135 * mm],
                style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
            )
            block = [_p(render.heading(m, w), heading)]
            if render.note(m, w):
                block.append(_p(render.note(m, w), strong))
            for label, text in render.thread(m, w):
                if label:
                    block.append(_p(label, strong))
                block.append(_p(text, body))
            block += [Spacer(1, 2 * mm), facts, Spacer(1, 5 * mm)]
            story.append(KeepTogether(block))
    story += [Spacer(1, 4 * mm), _p(w.no_warning_means_safe, reminder)]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=w.current_alerts, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm
    ).build(story)
    return buffer.getvalue()
