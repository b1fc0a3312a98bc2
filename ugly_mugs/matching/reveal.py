"""Showing a coordinator what an indexed identifier is: decrypted from a report's perpetrator
section with the scheme key and recognised by its digest, never read back from the index.
Opening a section for this is audited like any reading of a report. No Flask imports."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import sealing
from ugly_mugs.matching import index, normalise
from ugly_mugs.models import Account, Report
from ugly_mugs.reports import reading


def display(item: normalise.Identifier) -> str:
    if item.kind == normalise.VEHICLE_PART:
        where, _, value = item.value.partition(":")
        return f"{value}… (plate starting so)" if where == "prefix" else f"…{value} (plate ending so)"
    return item.value.removeprefix("digits:")


def labels(session: Session, perpetrator_sections: Iterable[dict]) -> dict[tuple[str, str], str]:
    """(kind, digest) → the identifier as written in these opened sections."""
    digesters = [
        index.Digester(key, version)
        for key in (index.key_of(session), index.next_key_of(session))
        if key is not None and (version := index.version_of(session, key)) is not None
    ]
    found: list[normalise.Identifier] = []
    for content in perpetrator_sections:
        found += normalise.from_perpetrator(content, index.region_of(session))
    # During a rotation the same identifier has a digest under each version: both get its label.
    return {
        (item.kind, digester.digest(item)): display(item)
        for digester in digesters
        for item in normalise.index_entries(found)
    }


def reveal(
    session: Session,
    kind: str,
    digest: str,
    reports: list[Report],
    coordinator: Account,
    scheme_pair: sealing.KeyPair,
    reason: str,
) -> str | None:
    """Open the reports' perpetrator sections one by one until one holds the identifier; each opening is audited."""
    if reason not in audit.READ_REASONS:
        raise reading.ReadRefused("Choose why you need to see it.")
    for report in reports:
        opened = reading.open_with_scheme_key(session, report.id, scheme_pair)
        audit.record(
            session,
            "identifier_revealed",
            actor_id=coordinator.id,
            report_id=report.id,
            reason=reason,
            detail={"kind": kind},
        )
        value = labels(session, opened.sections.get("perpetrator", [])).get((kind, digest))
        if value is not None:
            return value
    return None
