"""Writing an alert draft: prefilled with structured facts about him, stored encrypted.

No Flask imports. ``prefill`` takes the incident and perpetrator sections and nothing else, so
the identity section (who the reporter is, how to reach her, the exact place, date and time)
cannot flow into a draft by construction; and of those two it takes only the fields the
declaration gives a ``Prefill``: what he did (the kinds of incident ticked), his description,
the name he used, his car, numbers, e-mails and usernames. Her own words (what happened, where
she met him, what she added later) are never copied: ``her_words`` gives them to be shown beside
the draft, for the coordinator to rewrite. Time is coarsened to the week and part of the day,
and place to the report's area. Everything is then editable by the coordinator, and the
anonymity check (``alerts.authoring.anonymity``) runs on what they wrote before anything is
published.

Drafts are encrypted under a fresh AES-GCM key sealed to the scheme key, like every other piece
of report-derived text: only a coordinator holding the scheme key can read or edit one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore, sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import Account, Alert, AlertArea, Area, Report
from ugly_mugs.models.alerts import SEVERITIES
from ugly_mugs.reports import fields
from ugly_mugs.reports.sections import SCHEME

PARTS_OF_DAY = {
    "not_sure": "Time of day not known",
    "morning": "Morning",
    "afternoon": "Afternoon",
    "evening": "Evening",
    "night": "Night",
}
MAX_TITLE = 180  # leaves room for "UPDATE: " / "RETRACTED: " in AlertMessage.title (200)
MAX_BODY = 10_000
# Crockford's base 32 without the letters it leaves out (I, L, O, U): easy to read out by phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class DraftError(ValueError):
    """The draft cannot be saved as it is; the message is safe to show to staff."""


@dataclass
class Draft:
    title: str = ""
    body: str = ""
    severity: str = "warning"
    areas: list[str] = field(default_factory=list)  # area codes
    incident_week: date | None = None
    part_of_day: str = "not_sure"

    def text(self) -> dict[str, str]:
        """The free-text fields, as the anonymity check reads them."""
        return {"title": self.title, "body": self.body}

    def fingerprint(self) -> str:
        """A digest of everything that would be published: a page that showed this draft sends it
        back, so that what is approved is exactly what was on screen."""
        shown = [
            self.title,
            self.body,
            self.severity,
            sorted(self.areas),
            self.incident_week.isoformat() if self.incident_week else None,
            self.part_of_day,
        ]
        return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class HerWords:
    """One field of hers shown beside the draft: its label and what she wrote (one version)."""

    label: str
    text: str


def her_words(incident: list[dict], perpetrator: list[dict]) -> list[HerWords]:
    """What she wrote in her own words (``fields.her_words``), every version, in declaration order."""
    found: list[HerWords] = []
    for f in fields.her_words():
        versions = incident if f.section == fields.INCIDENT else perpetrator
        for version in versions:
            value = fields.value_at(version, f.key)
            text = "\n".join(str(v) for v in value if v) if isinstance(value, list) else str(value or "")
            if text.strip():
                found.append(HerWords(f.label, text))
    return found


def about_him(perpetrator: list[dict]) -> list[str]:
    """Every value of his prefilled fields (his description, car, name, numbers): words that are
    about him, not names of people in her account."""
    return [
        str(item)
        for version in perpetrator
        for f in fields.stored()
        if f.section == fields.PERPETRATOR and f.prefill is not None
        for value in [fields.value_at(version, f.key)]
        if value
        for item in (value if isinstance(value, list) else [value])
    ]


def new_reference() -> str:
    return "A-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- prefilling ---------------------------------------------------------------------------


def _join(values) -> str:
    return ", ".join(str(v) for v in values if v)


def _filled(declared: fields.Field, value: object) -> str:
    return declared.prefill.wording.format(_join(value) if isinstance(value, list) else value)


def _about_him(version: dict) -> list[str]:
    """The lines of one perpetrator version, from the fields the declaration lets into a draft."""
    lines: list[str] = []
    description = _join(
        _filled(f, value) for f in fields.prefilled(fields.DESCRIPTION) if (value := fields.value_at(version, f.key))
    )
    if description:
        lines.append(f"Description: {description}")
    vehicle_done = False
    for f in fields.stored():
        if f.section != fields.PERPETRATOR or f.prefill is None:
            continue
        if f.prefill.place == fields.LINE and (value := fields.value_at(version, f.key)):
            lines.append(_filled(f, value))
        elif f.prefill.place == fields.VEHICLE_LINE and not vehicle_done:
            # One line for the car, where its first part is declared.
            vehicle_done = True
            parts = fields.prefilled(fields.VEHICLE_LINE)
            vehicle = _join(_filled(p, value) for p in parts if (value := fields.value_at(version, p.key)))
            if vehicle:
                lines.append(f"Vehicle: {vehicle}")
    return lines


def prefill(
    incident: list[dict],
    perpetrator: list[dict],
    *,
    area_code: str,
    area_name: str,
    incident_week: date | None,
    category_labels: dict[str, str],
) -> Draft:
    """A first draft from the incident and perpetrator sections (every version, oldest first).

    Only fields with a ``Prefill`` in the declaration (``ugly_mugs.reports.fields``) are used,
    where and as it says: structured facts about him. Nothing she wrote in her own words is
    copied (those fields have no ``Prefill``; see ``her_words``).
    """
    first_incident = incident[0] if incident else {}
    categories = [
        category_labels.get(code, code)
        for f in fields.prefilled(fields.TITLE)
        for code in fields.value_at(first_incident, f.key) or []
    ]
    title = (_join(categories) or "Warning") + f" – {area_name}"
    lines: list[str] = []
    if categories:
        lines.append(f"What he did: {_join(categories)}")
    lines += [line for version in perpetrator for line in _about_him(version)]
    part_of_day = next(
        (fields.value_at(first_incident, f.key) for f in fields.prefilled(fields.PART_OF_DAY)), "not_sure"
    )
    return Draft(
        title=title[:MAX_TITLE],
        body="\n".join(lines).strip()[:MAX_BODY],
        severity="warning",
        areas=[area_code] if area_code else [],
        incident_week=incident_week,
        part_of_day=part_of_day if part_of_day in PARTS_OF_DAY else "not_sure",
    )


# --- validating ---------------------------------------------------------------------------


def validate(draft: Draft, known_areas: set[str]) -> dict[str, str]:
    """Problems with the draft by field name; empty when it can be saved."""
    problems: dict[str, str] = {}
    if not draft.title.strip():
        problems["title"] = "Give the alert a title."
    elif len(draft.title) > MAX_TITLE:
        problems["title"] = f"The title can be at most {MAX_TITLE} characters."
    if not draft.body.strip():
        problems["body"] = "Write the alert's text."
    elif len(draft.body) > MAX_BODY:
        problems["body"] = f"The text can be at most {MAX_BODY:,} characters."
    if draft.severity not in SEVERITIES:
        problems["severity"] = "Choose urgent, warning or information."
    if not draft.areas:
        problems["areas"] = "Choose at least one area the alert goes to."
    elif not set(draft.areas) <= known_areas:
        problems["areas"] = "Choose areas from the list."
    if draft.part_of_day not in PARTS_OF_DAY:
        problems["part_of_day"] = "Choose a part of the day from the list."
    return problems


# --- storing ------------------------------------------------------------------------------


def _context(alert: Alert) -> str:
    return sealed_text.alert_draft_context(alert.reference)


def _erasure_key(session: Session, alert: Alert) -> ReportKey:
    """The erasure key of the alert's report: the draft is report-derived text and goes with it."""
    if alert.report_id is None:
        raise DraftError("The report this alert was written from was deleted.")
    try:
        return erasure.report_key(session, alert.report_id)
    except erasure.ReportErased:
        raise DraftError("The report this alert was written from was deleted.") from None


def _seal(session: Session, alert: Alert, draft: Draft) -> None:
    payload = {
        "title": draft.title,
        "body": draft.body,
        "part_of_day": draft.part_of_day,
        "incident_week": draft.incident_week.isoformat() if draft.incident_week else None,
    }
    alert.draft, sealed = sealed_text.seal_bytes(
        json.dumps(payload).encode("utf-8"),
        _context(alert),
        {SCHEME: keystore.scheme_key(session).public_key},
        _erasure_key(session, alert),
    )
    alert.draft_key_scheme = sealed[SCHEME]


def _set_areas(session: Session, alert: Alert, codes: list[str]) -> None:
    session.execute(delete(AlertArea).where(AlertArea.alert_id == alert.id))
    for area_id in session.scalars(select(Area.id).where(Area.code.in_(codes))):
        session.add(AlertArea(alert_id=alert.id, area_id=area_id))


def area_codes(session: Session, alert: Alert) -> list[str]:
    return list(
        session.scalars(
            select(Area.code)
            .join(AlertArea, AlertArea.area_id == Area.id)
            .where(AlertArea.alert_id == alert.id)
            .order_by(Area.id)
        )
    )


def create(session: Session, report: Report, coordinator: Account, draft: Draft) -> Alert:
    """Store a new draft written from ``report``; audited without its content."""
    alert = Alert(
        reference=_unused_reference(session),
        report_id=report.id,
        status="draft",
        severity=draft.severity,
        created_by=coordinator.id,
    )
    session.add(alert)
    session.flush()
    _seal(session, alert, draft)
    _set_areas(session, alert, draft.areas)
    audit.record(
        session, "alert_drafted", actor_id=coordinator.id, report_id=report.id, detail={"alert": alert.reference}
    )
    session.flush()
    return alert


def save(session: Session, alert: Alert, coordinator: Account, draft: Draft) -> None:
    """Replace the draft's text, severity and areas; only while it is a draft."""
    if alert.status != "draft":
        raise DraftError("Only a draft can be edited.")
    alert.severity = draft.severity
    _seal(session, alert, draft)
    _set_areas(session, alert, draft.areas)
    audit.record(
        session,
        "alert_draft_saved",
        actor_id=coordinator.id,
        report_id=alert.report_id,
        detail={"alert": alert.reference},
    )
    session.flush()


def open_draft(session: Session, alert: Alert, pair: sealing.KeyPair) -> Draft:
    """The stored draft, opened with the scheme key pair."""
    if not alert.draft or not alert.draft_key_scheme:
        raise DraftError("This alert has no draft.")
    erasure_key = _erasure_key(session, alert)
    try:
        payload = json.loads(
            sealed_text.open_bytes(alert.draft, alert.draft_key_scheme, pair, _context(alert), SCHEME, erasure_key)
        )
    except DecryptionError:
        raise DraftError("This draft cannot be opened with your key.") from None
    week = payload.get("incident_week")
    return Draft(
        title=payload.get("title", ""),
        body=payload.get("body", ""),
        severity=alert.severity,
        areas=area_codes(session, alert),
        incident_week=date.fromisoformat(week) if week else None,
        part_of_day=payload.get("part_of_day") or "not_sure",
    )


def read_draft(session: Session, alert: Alert, pair: sealing.KeyPair, reader: Account) -> Draft:
    """Open the draft to show it; audited like any reading of report-derived text (P5)."""
    draft = open_draft(session, alert, pair)
    audit.record(
        session, "alert_draft_read", actor_id=reader.id, report_id=alert.report_id, detail={"alert": alert.reference}
    )
    return draft


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_reference()
        if session.scalar(select(Alert.id).where(Alert.reference == reference)) is None:
            return reference
