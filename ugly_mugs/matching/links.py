"""Reports that share an identifier, found through their blind-index rows. No Flask imports.

Two rows link their reports when kind, digest and key version are equal. Rows of plate
fragments (``vehicle_part``) link only when at least one side came from a partial plate, and
such a link is only ever a *possible* match: two full plates that merely start alike never
link, and a partial plate never counts as a certain match. A link is a candidate for a
coordinator to confirm, never a verdict. Nothing here returns report content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from ugly_mugs.matching import normalise
from ugly_mugs.models import Area, IdentifierIndex, Report

KINDS = (normalise.PHONE, normalise.VEHICLE, normalise.VEHICLE_PART, normalise.EMAIL, normalise.USERNAME)
KIND_WORDS = {
    normalise.PHONE: "phone number",
    normalise.VEHICLE: "number plate",
    normalise.VEHICLE_PART: "part of a number plate",
    normalise.EMAIL: "email address",
    normalise.USERNAME: "username or advert handle",
}
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def valid_address(kind: str, digest: str) -> bool:
    return kind in KINDS and bool(DIGEST.match(digest))


def _pair():
    mine, other = aliased(IdentifierIndex), aliased(IdentifierIndex)
    # Fragments of two whole plates are not a link; a fragment and a partial plate may be. As a
    # range on the index's last column, a whole plate's fragment (of a common prefix, say) reaches
    # only the partial rows instead of every plate that starts alike.
    needed = case((and_(mine.kind == normalise.VEHICLE_PART, mine.partial.is_(False)), True), else_=False)
    joined = and_(
        mine.kind == other.kind,
        mine.digest == other.digest,
        mine.key_version == other.key_version,
        other.partial >= needed,
        mine.report_id != other.report_id,
    )
    return mine, other, joined


def linked_counts(session: Session, report_ids: list[str]) -> dict[str, int]:
    """For each report, how many other reports share at least one identifier with it (0 if none)."""
    result = dict.fromkeys(report_ids, 0)
    if not report_ids:
        return result
    mine, other, joined = _pair()
    for start in range(0, len(report_ids), 500):
        chunk = report_ids[start : start + 500]
        rows = session.execute(
            select(mine.report_id, func.count(func.distinct(other.report_id)))
            .join(other, joined)
            .where(mine.report_id.in_(chunk))
            .group_by(mine.report_id)
        )
        result.update({report_id: n for report_id, n in rows})
    return result


@dataclass(frozen=True)
class LinkedReport:
    reference: str
    received_at: datetime
    area: str
    status: str
    possible: bool


@dataclass
class Shared:
    """One identifier of a report and the other reports that have it too."""

    kind: str
    digest: str
    partial: bool
    reports: list[LinkedReport] = field(default_factory=list)
    label: str = ""

    @property
    def words(self) -> str:
        return KIND_WORDS[self.kind]

    @property
    def possible(self) -> bool:
        return self.kind == normalise.VEHICLE_PART or self.partial


def links_for(session: Session, report_id: str) -> list[Shared]:
    """Each identifier of the report that appears in other reports, with those reports' metadata."""
    mine, other, joined = _pair()
    rows = session.execute(
        select(
            mine.kind,
            mine.digest,
            mine.partial,
            other.partial,
            Report.reference,
            Report.received_at,
            Area.name,
            Report.status,
        )
        .join(other, joined)
        .join(Report, Report.id == other.report_id)
        .join(Area, Area.id == Report.area_id)
        .where(mine.report_id == report_id)
        .order_by(mine.kind, mine.digest, Report.received_at.desc(), Report.reference)
    )
    found: dict[tuple[str, str], Shared] = {}
    for kind, digest, my_partial, their_partial, reference, received_at, area, status in rows:
        shared = found.setdefault((kind, digest), Shared(kind, digest, my_partial))
        possible = kind == normalise.VEHICLE_PART or my_partial or their_partial
        shared.reports.append(LinkedReport(reference, received_at, area, status, bool(possible)))
    return list(found.values())


def reports_with(session: Session, kind: str, digest: str) -> list[tuple[Report, str, bool]]:
    """Every report indexed under this identifier: (report, area name, from a partial plate)."""
    rows = session.execute(
        select(Report, Area.name, IdentifierIndex.partial)
        .join(IdentifierIndex, IdentifierIndex.report_id == Report.id)
        .join(Area, Area.id == Report.area_id)
        .where(IdentifierIndex.kind == kind, IdentifierIndex.digest == digest)
        .order_by(Report.received_at.desc(), Report.reference)
    )
    return [(report, area, bool(partial)) for report, area, partial in rows]
