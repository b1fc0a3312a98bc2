"""What the police portal's pages show, and the exports of a passed-on report. No Flask imports.

An officer sees only releases to their own unit (``release.release_for_officer``); what they
can read of a report is what their unit key opens (``release.read_for_police``), which only
consent decides, and below "full report" every passage that locates or contacts the reporter is
withheld and marked so. Exports carry exactly that view, no more.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Account, Area, PoliceOutcome, PoliceRelease, Report
from ugly_mugs.police import pdf, release
from ugly_mugs.reports import messages, reading, sections

# The sections of an export, in their order.
EXPORT_SECTIONS = ("incident", "perpetrator", "identity")
EXPORT_KINDS = {"csv": "text/csv", "pdf": "application/pdf"}
CSV_HEADER = ("reference", "section", "version", "field", "value")


@dataclass(frozen=True)
class Row:
    """One release in the unit's list: ``consent_level`` is the report's level now (one of
    ``consent.LEVELS``); ``outcomes`` the officers' outcomes, oldest first."""

    release: PoliceRelease
    reference: str
    consent_level: str
    outcomes: list[PoliceOutcome]


def unit_list(session: Session, officer: Account) -> list[Row]:
    """The releases to the officer's unit, newest first (none for an officer of no unit)."""
    if officer.police_unit_id is None:
        return []
    releases = release.releases_for_unit(session, officer.police_unit_id)
    reports = {
        r.id: r for r in session.scalars(select(Report).where(Report.id.in_([item.report_id for item in releases])))
    }
    outcomes = release.outcomes_for(session, [item.id for item in releases])
    return [
        Row(
            release=item,
            reference=reports[item.report_id].reference,
            consent_level=reports[item.report_id].consent_level,
            outcomes=outcomes.get(item.id, []),
        )
        for item in releases
    ]


def find(session: Session, release_id: int, officer: Account) -> tuple[PoliceRelease, Report] | None:
    """The release and its report if the release is to the officer's unit; None otherwise,
    exactly as if it did not exist."""
    item = release.release_for_officer(session, release_id, officer)
    if item is None:
        return None
    return item, session.get(Report, item.report_id)


def identity_withheld(report: Report) -> bool:
    """Whether police may not learn who the reporter is (her consent is below "full report")."""
    return report.consent_level != consent.FULL_REPORT


@dataclass(frozen=True)
class ReleasePage:
    """What the page of one release shows: ``opened``, the covering ``note`` (both from
    ``release.read_for_police``) and the ``crime_reference`` only when the officer opened it."""

    item: PoliceRelease
    report: Report
    area: Area | None
    opened: reading.Opened | None
    note: str
    crime_reference: str
    identity_withheld: bool
    outcomes: list[PoliceOutcome]
    # Messages on the receipt a coordinator passed on at "full report" (``consent.messages``).
    messages: list[messages.Message]


def release_page(
    session: Session,
    item: PoliceRelease,
    report: Report,
    pair: sealing.KeyPair | None = None,
    view: release.PoliceView | None = None,
) -> ReleasePage:
    """The page of ``item`` (found with ``find``). ``pair``: the unit key pair the caller already
    opened; ``view``: what ``release.read_for_police`` just gave the officer (an audited read).
    Writes nothing."""
    return ReleasePage(
        item=item,
        report=report,
        area=session.get(Area, report.area_id),
        opened=view.opened if view else None,
        note=view.note if view else "",
        crime_reference=release.crime_reference_for(session, item, pair, sections.UNIT) if pair and view else "",
        identity_withheld=identity_withheld(report),
        outcomes=release.outcomes_for(session, [item.id]).get(item.id, []),
        messages=_passed_messages(session, report, pair) if pair and view else [],
    )


def _passed_messages(session: Session, report: Report, pair: sealing.KeyPair) -> list[messages.Message]:
    if report.police_unit_id is None or report.consent_level != consent.FULL_REPORT:
        return []
    unit_ids = [keystore.unit_key(session, report.police_unit_id).id, *keystore.retiring_ids(session)]
    return messages.for_unit(session, report, pair, unit_ids)


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str


def export(
    session: Session, report: Report, officer: Account, opened: reading.Opened, kind: str, photos: list = ()
) -> Export:
    """``opened`` (what the officer's unit key opened) as a file of ``kind`` ("csv" or "pdf", the
    keys of ``EXPORT_KINDS``; ValueError otherwise), audited as "police_export" (the caller
    commits). The CSV has the columns ``CSV_HEADER``, one row per field; no cell starts like a
    spreadsheet formula. ``photos``: (``reading.PhotoRef``, JPEG bytes) the unit key opened
    (``release.photos_for_export``), shown in the PDF and listed in the CSV."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"no export of kind {kind!r}")
    detail = {"format": kind, "photos": len(photos)} if photos else {"format": kind}
    audit.record(session, "police_export", actor_id=officer.id, report_id=report.id, detail=detail)
    rows = flatten(report.reference, opened)
    # A photo is listed in the CSV and shown in the PDF; only photos the unit key opened are given.
    rows += [
        [report.reference, "photo", str(n), "photo", f"photo {n} (in the PDF export)"]
        for n in range(1, len(photos) + 1)
    ]
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        writer.writerows([[spreadsheet_safe(c) for c in row] for row in rows])
        body = buffer.getvalue().encode("utf-8")
    else:
        body = pdf.report_pdf(report.reference, rows, identity_withheld(report), [data for _, data in photos])
    return Export(body=body, mimetype=EXPORT_KINDS[kind], filename=f"{report.reference}.{kind}")


def flatten(reference: str, opened: reading.Opened) -> list[list[str]]:
    """One row per field the officer may see: reference, section, version, field, value."""
    rows: list[list[str]] = []
    for name in EXPORT_SECTIONS:
        for version, content in enumerate(opened.sections.get(name, []), start=1):
            for field, value in _fields(content):
                rows.append([reference, name, str(version), field, value])
    return rows


def _fields(content: dict, prefix: str = ""):
    for key, value in content.items():
        if isinstance(value, dict):
            yield from _fields(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            if value:
                yield f"{prefix}{key}", "; ".join(str(v) for v in value)
        elif value not in ("", None):
            yield f"{prefix}{key}", str(value)


def spreadsheet_safe(cell: str) -> str:
    """Stop a spreadsheet from reading a cell as a formula (OWASP "CSV injection")."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
