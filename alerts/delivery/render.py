"""One published message as plain text, HTML and JSON: what every channel sends.

Everything here is built from the fields of an ``AlertMessage`` alone (title, body, severity,
areas, incident week, part of day, kind, reference), never from a report: a report's content
cannot reach a channel because no report is ever read. The fixed wording around the message
is in the receiving project's language (``alerts.delivery.wording``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from alerts.delivery.wording import Wording


@dataclass(frozen=True)
class Published:
    """The fields of one published message that channels may show, copied out of the database row.

    ``earlier``: the alert's messages before this one, oldest first (the original warning and
    any earlier updates), where a channel shows the alert as it stands (the printable sheet)."""

    message_id: str
    reference: str
    kind: str
    severity: str
    title: str
    body: str
    areas: str
    incident_week: date | None
    part_of_day: str | None
    published_at: datetime
    earlier: tuple[Published, ...] = ()

    @classmethod
    def of(cls, message, reference: str) -> Published:
        return cls(
            message_id=message.message_id,
            reference=reference,
            kind=message.kind,
            severity=message.severity,
            title=message.title,
            body=message.body,
            areas=message.areas,
            incident_week=message.incident_week,
            part_of_day=message.part_of_day,
            published_at=message.published_at,
        )


def thread(m: Published, w: Wording) -> list[tuple[str, str]]:
    """The alert as it stands, for a channel that shows it whole: (label, text) of the original
    warning's body (no label) then each update ("Update – 20 November 2026: title", its body),
    oldest first. A message with nothing earlier is its own body alone."""
    parts: list[tuple[str, str]] = []
    for item in (*m.earlier, m):
        if item.kind == "update" and m.earlier:
            parts.append((f"{w.kinds['update']} – {w.day(item.published_at.date())}: {item.title}", item.body.strip()))
        else:
            parts.append(("", item.body.strip()))
    return parts


def heading(m: Published, w: Wording) -> str:
    """``Urgent – Update: title``: the severity and, for an update or a retraction, what it is."""
    label = w.severities.get(m.severity, m.severity)
    if m.kind != "alert":
        label = f"{label} – {w.kinds.get(m.kind, m.kind)}"
    return f"{label}: {m.title}"


def note(m: Published, w: Wording) -> str | None:
    if m.kind == "retraction":
        return w.retraction_note
    if m.kind == "update":
        return w.update_note
    return None


def facts(m: Published, w: Wording) -> list[tuple[str, str]]:
    rows = [(w.areas, m.areas)]
    when = w.when_text(m.incident_week, m.part_of_day)
    if when:
        rows.append((w.when, when))
    rows.append((w.reference, m.reference))
    return rows


def text(m: Published, w: Wording) -> str:
    lines = [heading(m, w), ""]
    if note(m, w):
        lines += [note(m, w), ""]
    lines += [m.body.strip(), ""]
    lines += [f"{label}: {value}" for label, value in facts(m, w)]
    lines += ["", w.no_warning_means_safe, ""]
    return "\n".join(lines)


def html(m: Published, w: Wording) -> str:
    """A small self-contained HTML part: no images, no links, no outside resources."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in m.body.strip().split("\n\n") if p.strip())
    paragraphs = paragraphs.replace("\n", "<br>")
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{escape(k)}</th><td>{escape(v)}</td></tr>'
        for k, v in facts(m, w)
    )
    flag = f"<p><strong>{escape(note(m, w))}</strong></p>" if note(m, w) else ""
    return (
        f'<!doctype html><html lang="{escape(w.locale.replace("_", "-"))}"><head><meta charset="utf-8">'
        f"<title>{escape(w.subject)}</title></head>"
        '<body style="font-family:sans-serif;font-size:16px;line-height:1.4">'
        f'<h1 style="font-size:20px">{escape(heading(m, w))}</h1>{flag}{paragraphs}'
        f"<table>{rows}</table>"
        f'<p style="border:2px solid #000;padding:.5em"><strong>{escape(w.no_warning_means_safe)}</strong></p>'
        "</body></html>"
    )


def as_json(m: Published, w: Wording) -> dict:
    """The webhook body: the message's fields, and the same text a person would get by email."""
    return {
        "message_id": m.message_id,
        "reference": m.reference,
        "kind": m.kind,
        "severity": m.severity,
        "title": m.title,
        "body": m.body,
        "areas": m.areas,
        "incident_week": m.incident_week.isoformat() if m.incident_week else None,
        "part_of_day": m.part_of_day,
        "published_at": m.published_at.isoformat(),
        "language": w.locale,
        "text": text(m, w),
    }
