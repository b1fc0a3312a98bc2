"""Rotating the matching key: every index row recomputed under a new key version. No Flask imports.

The identifiers are read back from the reports' perpetrator sections, opened with the scheme
key (unlocked from the recovery passphrase); the index itself cannot be turned back into
identifiers. Work goes in batches of reports, each committed on its own, so a rotation that
stops half-way can simply be run again with the same new key: rows already made under the
new version are made again, and nothing of the old version is deleted until every report has
its new rows. Only counts are returned; no identifier is ever printed or logged.

Hosts keep running when they hold the new key as their next key (``index.writing_digesters``):
a report they file during the run gets rows under both versions whichever batch it falls
behind. At the end the old version's record is deleted first, which waits for filings still
writing under it (they hold it FOR SHARE), then its rows.

Every run is audited once, before the first section is opened (``matching_rotation``: the key
version and how many reports and perpetrator sections it opens), in the transaction that records
the new key version: a run that stops half-way has still left its entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.matching import index, normalise
from ugly_mugs.models import IdentifierIndex, MatchingKeyVersion, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import sections


@dataclass(frozen=True)
class Progress:
    """How far a rotation is: ``done`` of ``total`` (None when not known in advance) in ``stage``."""

    stage: str
    done: int
    total: int | None


@dataclass(frozen=True)
class Rotated:
    version: int
    reports: int
    rows_written: int
    old_rows_deleted: int
    unreadable_sections: int


def _new_version(session: Session, new_key: bytes) -> int:
    # Already recorded when resuming a rotation that stopped, or by a host given the new key as
    # its next key (UGLY_MUGS_MATCHING_KEY_NEXT_FILE) that filed a report first.
    return index.register_version(session, new_key)


def _to_open(session: Session, scheme_ids: list[int]) -> tuple[int, int]:
    """(reports, perpetrator sections) a run opens with the scheme key."""
    row = session.execute(
        select(func.count(func.distinct(ReportSection.report_id)), func.count())
        .select_from(ReportSection)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.name == "perpetrator",
            SealedSectionKey.holder == sections.SCHEME,
            SealedSectionKey.group_key_id.in_(scheme_ids),
        )
    ).one()
    return row[0], row[1]


def _perpetrator_sections(session: Session, report_ids: list[str], scheme_ids: list[int]):
    return session.execute(
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.report_id.in_(report_ids),
            ReportSection.name == "perpetrator",
            SealedSectionKey.holder == sections.SCHEME,
            SealedSectionKey.group_key_id.in_(scheme_ids),
        )
    ).all()


def rotate(
    sessions: Callable[[], Session],
    passphrase: str,
    new_key: bytes,
    region: str = "GB",
    batch: int = 500,
    progress: Callable[[Progress], None] | None = None,
) -> Rotated:
    """Recompute every report's index under ``new_key``, then delete every row of other versions.

    ``progress`` is called after each committed batch (and each batch of old rows deleted) with
    counts only. Raises DecryptionError if the passphrase does not open the scheme key.
    """
    tell = progress or (lambda _p: None)
    with sessions() as session:
        scheme = keystore.scheme_key(session)
        pair: sealing.KeyPair | None = keystore.open_group_keys(session, passphrase).get(scheme.id)
        if pair is None:
            raise DecryptionError("the recovery passphrase does not open the scheme key")
        version = _new_version(session, new_key)
        # With a key rotation under way (keys.rotation), some seals are still under the old key;
        # ``pair`` opens those too (KeyPair.previous).
        scheme_ids = [scheme.id, *keystore.retiring_ids(session)]
        reports_to_open, sections_to_open = _to_open(session, scheme_ids)
        total = reports_to_open
        audit.record(
            session,
            "matching_rotation",
            detail={"key_version": version, "reports": reports_to_open, "sections": sections_to_open},
        )
        session.commit()
    digester = index.Digester(new_key, version)
    reports = written = unreadable = 0
    after = ""
    while True:
        with sessions() as session:
            report_ids = list(
                session.scalars(
                    select(ReportSection.report_id)
                    .where(ReportSection.name == "perpetrator", ReportSection.report_id > after)
                    .group_by(ReportSection.report_id)
                    .order_by(ReportSection.report_id)
                    .limit(batch)
                )
            )
            if not report_ids:
                break
            # Held until the batch commits: information added to one of these reports meanwhile
            # waits, then is indexed under both versions (index.store), or is read here.
            session.execute(select(Report.id).where(Report.id.in_(report_ids)).with_for_update())
            found: dict[str, list[normalise.Identifier]] = {rid: [] for rid in report_ids}
            erasure_keys = erasure.report_keys(session, report_ids)
            for section, sealed in _perpetrator_sections(session, report_ids, scheme_ids):
                if section.report_id not in erasure_keys:
                    unreadable += 1  # erased since, or its key is not in this key store
                    continue
                try:
                    key = sections.open_with_key_pair(
                        pair,
                        sealed,
                        section.report_id,
                        section.name,
                        section.version,
                        sections.SCHEME,
                        erasure_keys[section.report_id],
                    )
                    content = sections.decrypt_section(
                        key, section.report_id, section.name, section.version, section.ciphertext
                    )
                except DecryptionError:
                    unreadable += 1
                    continue
                found[section.report_id] += normalise.from_perpetrator(content, region)
            rows = [row for rid, items in found.items() for row in index.rows_for(rid, digester, items)]
            session.execute(
                delete(IdentifierIndex).where(
                    IdentifierIndex.report_id.in_(report_ids), IdentifierIndex.key_version == version
                )
            )
            if rows:
                session.connection().execute(insert(IdentifierIndex.__table__), rows)
            session.commit()
            reports += len(report_ids)
            written += len(rows)
            after = report_ids[-1]
        tell(Progress("reindexed", reports, max(total, reports)))
    deleted = 0
    with sessions() as session:
        # First the record, so no host writes under an old version once its rows start to go.
        session.execute(delete(MatchingKeyVersion).where(MatchingKeyVersion.version != version))
        session.commit()
    while True:
        with sessions() as session:
            ids = list(
                session.scalars(select(IdentifierIndex.id).where(IdentifierIndex.key_version != version).limit(5000))
            )
            if not ids:
                break
            session.execute(delete(IdentifierIndex).where(IdentifierIndex.id.in_(ids)))
            session.commit()
            deleted += len(ids)
        tell(Progress("old rows deleted", deleted, None))
    return Rotated(version, reports, written, deleted, unreadable)
