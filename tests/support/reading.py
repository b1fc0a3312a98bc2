"""Opening report sections the way a key holder would, for tests that check who can read what.

Seals are unwrapped with the report's erasure key from the key store of the session (as the
app does), unless the caller passes one (``erasure_key``): a test that plays someone holding
only a copy of the database passes the key it has, or finds it has none.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import GroupKey, Report, ReportSection
from ugly_mugs.reports import sections


def group_pairs(session: Session, passphrase: str) -> dict[int, sealing.KeyPair]:
    return keystore.open_group_keys(session, passphrase)


def erasure_key_of(session: Session, report: Report) -> ReportKey | None:
    """The report's erasure key from the session's key store; None once it was erased."""
    try:
        return erasure.report_key(session, report.id)
    except erasure.ReportErased:
        return None


def readable_sections(
    session: Session,
    report: Report,
    pair: sealing.KeyPair,
    holder: str,
    erasure_key: ReportKey | None | type[Ellipsis] = ...,
) -> dict[str, list[dict]]:
    """Every section of ``report`` that ``pair`` can open as ``holder``, by name (a photo as
    ``{"image": bytes}``); nothing without an erasure key (``erasure_key`` None)."""
    opened: dict[str, list[dict]] = {}
    if erasure_key is ...:
        erasure_key = erasure_key_of(session, report)
    if erasure_key is None:
        return opened
    for section in session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        for seal in section.sealed_keys:
            if seal.holder != holder:
                continue
            try:
                key = sections.open_with_key_pair(
                    pair, seal.sealed, report.id, section.name, section.version, holder, erasure_key
                )
            except DecryptionError:
                continue
            if section.name in sections.PHOTO_NAMES:
                image = sections.decrypt_photo(key, report.id, section.name, section.version, section.ciphertext)
                content = {"image": image}
            else:
                content = sections.decrypt_section(key, report.id, section.name, section.version, section.ciphertext)
            opened.setdefault(section.name, []).append(content)
    return opened


def try_every_section(session: Session, report: Report, pair: sealing.KeyPair) -> set[str]:
    """Names of the sections ``pair`` can open through ANY stored sealed key, whatever its holder label."""
    names = set()
    erasure_key = erasure_key_of(session, report)
    if erasure_key is None:
        return names
    for section in session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        for seal in section.sealed_keys:
            for holder in (sections.SCHEME, sections.UNIT):
                try:
                    sections.open_with_key_pair(
                        pair, seal.sealed, report.id, section.name, section.version, holder, erasure_key
                    )
                except DecryptionError:
                    continue
                names.add(section.name)
    return names


def scheme_pair(session: Session, passphrase: str) -> sealing.KeyPair:
    return group_pairs(session, passphrase)[keystore.scheme_key(session).id]


def unit_pair(session: Session, passphrase: str, police_unit_id: int) -> sealing.KeyPair:
    group = session.scalar(select(GroupKey).where(GroupKey.police_unit_id == police_unit_id))
    return group_pairs(session, passphrase)[group.id]


def rewrite_section(session: Session, report: Report, name: str, version: int, content: dict, pair) -> None:
    """Replace a stored section's content under its own key (opened with the scheme key ``pair``),
    every seal left as it is: a report as an older release stored it, for tests of what reads it."""
    section = session.scalar(
        select(ReportSection).where(
            ReportSection.report_id == report.id, ReportSection.name == name, ReportSection.version == version
        )
    )
    seal = next(s for s in section.sealed_keys if s.holder == sections.SCHEME)
    key = sections.open_with_key_pair(
        pair, seal.sealed, report.id, name, version, sections.SCHEME, erasure.report_key(session, report.id)
    )
    section.ciphertext = sections.encrypt_section(key, report.id, name, version, content)
    session.flush()
