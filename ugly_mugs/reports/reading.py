"""Opening a report's sections with a group key pair (or her receipt key): the one way casework,
alerts, matching and the police portal read report content. No Flask imports; callers audit the
read.

What was withheld from the incident and perpetrator sections at filing (``reports.withholding``)
is put back for whoever opened the identity section too; a police unit below "full report"
opens the two sections as they are stored, with her details withheld.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import disclosure
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.models import ReportSection, SealedSectionKey
from ugly_mugs.reports import sections, withholding


class ReadRefused(ValueError):
    """The read was not allowed (no stated reason, say); the message is safe to show to staff."""


@dataclass(frozen=True)
class Opened:
    """The sections a key holder could open, by name (each a list of versions, oldest first).

    ``withheld``: (section, version, key) of the fields that police below "full report" see with
    her details withheld, put back here as she wrote them (empty when the identity section was
    not opened: the fields then hold ``disclosure.WITHHELD`` where her details were).
    """

    sections: dict[str, list[dict]]
    withheld: tuple[tuple[str, int, str], ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.sections)


def _restored(found: dict[str, list[tuple[int, dict]]]) -> Opened:
    restored, put_back = withholding.restore(found)
    return Opened(restored, tuple(put_back))


def _open(session: Session, report_id: str, holder: str, group_key_id: int | None, open_key) -> Opened:
    """The sections of ``report_id`` whose seal for ``holder`` (and ``group_key_id``, unless None)
    ``open_key(sealed, section, erasure_key)`` opens; nothing of an erased report."""
    opened: dict[str, list[tuple[int, dict]]] = {}
    try:
        erasure_key = erasure.report_key(session, report_id)
    except erasure.ReportErased:
        return Opened({})
    query = (
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.report_id == report_id,
            SealedSectionKey.holder == holder,
            # Messages are read only by ``reports.messages``, each read audited there.
            ReportSection.name != sections.MESSAGE,
        )
        .order_by(ReportSection.name, ReportSection.version)
    )
    if group_key_id is not None:
        # A rotation under way (keys.rotation) leaves some seals under the retiring key for a while.
        query = query.where(SealedSectionKey.group_key_id.in_([group_key_id, *keystore.retiring_ids(session)]))
    for section, sealed in session.execute(query).all():
        try:
            key = open_key(sealed, section, erasure_key)
            content = sections.decrypt_section(key, report_id, section.name, section.version, section.ciphertext)
        except DecryptionError:
            continue
        opened.setdefault(section.name, []).append((section.version, content))
    return _restored(opened)


def open_sections(session: Session, report_id: str, pair: sealing.KeyPair, holder: str, group_key_id: int) -> Opened:
    """Every section of ``report_id`` whose key is sealed to ``group_key_id`` (as ``holder``:
    "scheme" or "unit") and opens with ``pair``; sections that do not open are left out, and
    nothing opens of a report whose erasure key was destroyed. Raises ErasureKeyMissing
    (KeyUnavailable) when the key store holds neither its key nor a tombstone."""
    return _open(
        session,
        report_id,
        holder,
        group_key_id,
        lambda sealed, section, erasure_key: sections.open_with_key_pair(
            pair, sealed, report_id, section.name, section.version, holder, erasure_key
        ),
    )


def open_with_receipt(session: Session, report_id: str, receipt_key: bytes) -> Opened:
    """Every section of ``report_id`` that her receipt key opens (her own return visits); nothing
    of a report whose erasure key was destroyed."""
    return _open(
        session,
        report_id,
        sections.RECEIPT,
        None,
        lambda sealed, section, erasure_key: sections.open_with_receipt(
            receipt_key, sealed, report_id, section.name, section.version, erasure_key
        ),
    )


def below_full(opened: Opened, region: str) -> tuple[Opened, disclosure.Profile]:
    """``opened`` as police see it when the identity section is not among what they opened
    (consent below "full report"): every passage of hers withheld (``withholding.below_full``).
    Returns it unchanged when the identity section was opened; with the profile it was judged by."""
    if sections.IDENTITY in opened.sections:
        return opened, disclosure.profile_from(opened.sections, region)
    shown, marks, profile = withholding.below_full(opened.sections, region)
    return Opened(shown, tuple(marks)), profile


def open_with_scheme_key(session: Session, report_id: str, pair: sealing.KeyPair) -> Opened:
    """Every section of ``report_id`` that the scheme key pair ``pair`` opens (coordinators' reads)."""
    return open_sections(session, report_id, pair, sections.SCHEME, keystore.scheme_key(session).id)
