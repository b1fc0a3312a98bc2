"""The printable sheet as PDF: current warnings by area, for an outreach van to hand out.

Drawn with ReportLab through the scheme's document helper (``ugly_mugs.pdf``): Bulgarian needs
Cyrillic and Romanian needs ș and ț, which ReportLab's built-in Helvetica lacks, so every style
is in DejaVu Sans.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, TableStyle

from alerts.delivery import render
from alerts.delivery.bulletins import AreaGroup
from alerts.delivery.wording import Wording
from ugly_mugs import pdf

# Plain text in a paragraph: ReportLab reads markup, and alert text is typed by people.
_p = pdf.paragraph


def sheet_pdf(project_name: str, groups: list[AreaGroup], w: Wording, printed_on: date) -> bytes:
    f = pdf.fonts()
    base = pdf.styles()
    body = pdf.style(base["Normal"], "body", fontName=f.regular, fontSize=11, leading=14)
    strong = pdf.style(body, "strong", fontName=f.bold)
    title = pdf.style(base["Title"], "title", fontName=f.bold, fontSize=18, leading=22)
    area = pdf.style(base["Heading2"], "area", fontName=f.bold, fontSize=14, leading=18)
    heading = pdf.style(body, "heading", fontName=f.bold, fontSize=12, leading=15)
    reminder = pdf.style(
        strong, "reminder", fontSize=13, leading=17, borderColor=colors.black, borderWidth=1.5, borderPadding=6
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
            facts = pdf.table(
                [[_p(k, strong), _p(v, body)] for k, v in render.facts(m, w)], [35 * mm, 135 * mm], 0, grid=False
            )
            facts.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
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
    return pdf.build(story, title=w.current_alerts, bottom=72)
