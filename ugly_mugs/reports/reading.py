"""Opening a report's sections with a group key pair: the one way casework, alerts, matching
and the police portal read report content. No Flask imports; callers audit the read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.models import ReportSection, SealedSectionKey
from ugly_mugs.reports import sections


class ReadRefused(ValueError):
    """The read was not allowed (no stated reason, say); the message is safe to show to staff."""


@dataclass(frozen=True)
class Opened:
    """The sections a key holder could open, by name (each a list of versions, oldest first)."""

    sections: dict[str, list[dict]]

    def __bool__(self) -> bool:
        return bool(self.sections)


def open_sections(session: Session, report_id: str, pair: sealing.KeyPair, holder: str, group_key_id: int) -> Opened:
    """Every section of ``report_id`` whose key is sealed to ``group_key_id`` (as ``holder``:
    "scheme" or "unit") and opens with ``pair``; sections that do not open are left out, and
    nothing opens of a report whose erasure key was destroyed. Raises ErasureKeyMissing
    (KeyUnavailable) when the key store holds neither its key nor a tombstone."""
    opened: dict[str, list[dict]] = {}
    try:
        erasure_key = erasure.report_key(session, report_id)
    except erasure.ReportErased:
        return Opened(opened)
    rows = session.execute(
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.report_id == report_id,
            SealedSectionKey.holder == holder,
            SealedSectionKey.group_key_id == group_key_id,
        )
        .order_by(ReportSection.name, ReportSection.version)
    ).all()
    for section, sealed in rows:
        try:
            key = sections.open_with_key_pair(
                pair, sealed, report_id, section.name, section.version, holder, erasure_key
            )
            content = sections.decrypt_section(key, report_id, section.name, section.version, section.ciphertext)
        except DecryptionError:
            continue
        opened.setdefault(section.name, []).append(content)
    return Opened(opened)


def open_with_scheme_key(session: Session, report_id: str, pair: sealing.KeyPair) -> Opened:
    """Every section of ``report_id`` that the scheme key pair ``pair`` opens (coordinators' reads)."""
    return open_sections(session, report_id, pair, sections.SCHEME, keystore.scheme_key(session).id)
