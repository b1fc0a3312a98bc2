"""Computing and storing blind-index rows when a report is stored or information is added.

No Flask imports. The matching key and the default phone region travel in ``Session.info``
(set by ``make_sessionmaker`` from the configuration), so every caller that stores a report
through a configured session indexes it, in the same transaction, without passing keys around.

Which version a matching key is, is recorded as a fingerprint derived from the key, never
the key. A key that is neither the recorded one nor the first one ever used is refused
(``MatchingKeyUnavailable``): indexing under a key nobody else uses would silently break
every link, so the report is refused and shown back instead, as with any missing key.

Rotation with hosts running: a host may also hold the *next* matching key
(``UGLY_MUGS_MATCHING_KEY_NEXT_FILE``). It then writes every report's rows under both keys (the
next key's version is recorded by whichever comes first, the host or ``matching rotate``) and
reads under both, so a report filed while ``matching rotate`` works through the old ones already
has its new rows, and a check finds old and new reports alike. When the rotation has deleted
the old version, such a host writes and reads under the next key alone, until it is restarted
with the next key as its only key (docs/staff.md, "Matching").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs.crypto import blind_index
from ugly_mugs.keys import keystore
from ugly_mugs.matching import normalise
from ugly_mugs.matching.normalise import Identifier
from ugly_mugs.models import IdentifierIndex, MatchingKeyVersion, Report
from ugly_mugs.stats import rollup

MATCHING_KEY = "ugly_mugs.matching_key"
PHONE_REGION = "ugly_mugs.phone_region"


class MatchingKeyUnavailable(keystore.KeyUnavailable):
    """There is no matching key, or it is not the one the stored indexes were made with."""


VERSIONS = "ugly_mugs.matching_versions"
MATCHING_KEY_NEXT = "ugly_mugs.matching_key_next"


def session_info(matching_key: bytes | None, phone_region: str = "GB", next_key: bytes | None = None) -> dict:
    """``Session.info`` entries: the matching key, the next one during a rotation (or None), the region."""
    # VERSIONS is one dict shared by every session of the app: versions already looked up.
    return {MATCHING_KEY: matching_key, MATCHING_KEY_NEXT: next_key, PHONE_REGION: phone_region, VERSIONS: {}}


def next_key_of(session: Session) -> bytes | None:
    """The next matching key this host was given for a rotation in progress, or None."""
    return session.info.get(MATCHING_KEY_NEXT) or None


def key_of(session: Session) -> bytes:
    key = session.info.get(MATCHING_KEY)
    if not key:
        raise MatchingKeyUnavailable("no matching key is configured (UGLY_MUGS_MATCHING_KEY_FILE)")
    return key


def region_of(session: Session) -> str:
    return session.info.get(PHONE_REGION) or "GB"


def version_of(session: Session, key: bytes) -> int | None:
    """The version number of ``key``, or None if no index was ever made with it."""
    return session.scalar(
        select(MatchingKeyVersion.version).where(MatchingKeyVersion.fingerprint == blind_index.fingerprint(key))
    )


def known_version(session: Session, key: bytes) -> int | None:
    """``version_of`` remembered for the app's lifetime, for reads only (checks).

    A key's version never changes while its row exists; after a rotation the app is restarted
    with the new key (see docs/staff.md, "Matching"), so a remembered version can at worst find nothing.
    Writing index rows always asks the database (``current_version``).
    """
    cache = session.info.get(VERSIONS)
    fingerprint = blind_index.fingerprint(key)
    if cache is not None and fingerprint in cache:
        return cache[fingerprint]
    version = version_of(session, key)
    if cache is not None and version is not None:
        cache[fingerprint] = version
    return version


def register_version(session: Session, key: bytes) -> int:
    """The version of ``key``, recorded now as the highest so far plus one if it has none.

    For the next key of a rotation: the first host to index under it, or ``matching rotate``,
    records it. Two recording at once collide on the version number; the loser reads the
    winner's row (at most three tries, then MatchingKeyUnavailable).
    """
    for _ in range(3):
        version = version_of(session, key)
        if version is not None:
            return version
        try:
            with session.begin_nested():
                number = (session.scalar(select(func.max(MatchingKeyVersion.version))) or 0) + 1
                session.add(MatchingKeyVersion(version=number, fingerprint=blind_index.fingerprint(key)))
        except IntegrityError:
            continue  # another process recorded a version at the same moment
        return number
    raise MatchingKeyUnavailable("the next matching key's version could not be recorded; try again")


def _locked_version(session: Session, key: bytes) -> int | None:
    """``version_of``, holding the version's row (FOR SHARE) until the transaction ends.

    A rotation deletes an old version's row before its index rows; a filing that still writes
    under that version holds the row, so the deletion waits for it, and a filing after the
    deletion no longer finds the version: no row of a deleted version is written after it.
    """
    return session.scalar(
        select(MatchingKeyVersion.version)
        .where(MatchingKeyVersion.fingerprint == blind_index.fingerprint(key))
        .with_for_update(read=True)
    )


def writing_digesters(session: Session) -> list[Digester]:
    """The digesters a report's rows are written with: the matching key's, and the next key's
    during a rotation. Raises MatchingKeyUnavailable when there is no matching key, or when it is
    unknown and no next key is configured (see ``current_version``)."""
    key = key_of(session)
    next_key = next_key_of(session)
    digesters = []
    version = _locked_version(session, key)
    if version is None and (
        next_key is None or not session.scalar(select(func.count()).select_from(MatchingKeyVersion))
    ):
        version = current_version(session, key)  # the first key ever, or refused
    if version is not None:
        digesters.append(Digester(key, version))
    # Without a version of its own, the old key's rotation has finished: the next key alone.
    if next_key is not None and next_key != key:
        register_version(session, next_key)
        digesters.append(Digester(next_key, _locked_version(session, next_key)))
    return digesters


def reading_digesters(session: Session) -> list[Digester]:
    """The digesters checks and labels read with: each configured key (matching, next) that has
    a version. Empty when no index was ever made with them. Raises MatchingKeyUnavailable when
    there is no matching key."""
    keys = [key_of(session)]
    next_key = next_key_of(session)
    if next_key is not None and next_key not in keys:
        keys.append(next_key)
    found = []
    for key in keys:
        version = known_version(session, key)
        if version is not None:
            found.append(Digester(key, version))
    return found


def current_version(session: Session, key: bytes) -> int:
    """The version of ``key``; the very first key used is recorded as version 1."""
    version = version_of(session, key)
    if version is not None:
        return version
    if session.scalar(select(func.count()).select_from(MatchingKeyVersion)):
        raise MatchingKeyUnavailable(
            "the matching key is not the one the indexes were made with: run 'matching rotate' or set the right key"
        )
    try:
        with session.begin_nested():
            session.add(MatchingKeyVersion(version=1, fingerprint=blind_index.fingerprint(key)))
    except IntegrityError:
        pass  # another process recorded it first
    return current_version(session, key)


def _kind_key_name(kind: str) -> str:
    return normalise.VEHICLE if kind == normalise.VEHICLE_PART else kind


class Digester:
    """Digests of identifiers under one key version; derives each kind's key once."""

    def __init__(self, matching_key: bytes, version: int):
        self.version = version
        self._matching_key = matching_key
        self._keys: dict[str, bytes] = {}

    def digest(self, item: Identifier) -> str:
        kind = _kind_key_name(item.kind)
        key = self._keys.get(kind)
        if key is None:
            key = self._keys[kind] = blind_index.kind_key(self._matching_key, kind, self.version)
        return blind_index.index(key, item.value)


def rows_for(report_id: str, digester: Digester, identifiers: Iterable[Identifier]) -> list[dict]:
    """Index rows for one report; a digest that comes both partial and whole is kept partial."""
    rows: dict[tuple[str, str], dict] = {}
    for item in normalise.index_entries(list(identifiers)):
        key = (item.kind, digester.digest(item))
        row = rows.setdefault(
            key,
            {
                "report_id": report_id,
                "kind": item.kind,
                "digest": key[1],
                "key_version": digester.version,
                "partial": item.partial,
            },
        )
        row["partial"] = row["partial"] or item.partial
    return list(rows.values())


def prepare(session: Session, report_id: str, perpetrator: object) -> list[dict]:
    """The rows for a perpetrator section, computed before anything is written."""
    identifiers = normalise.from_perpetrator(perpetrator, region_of(session))
    key_of(session)
    if not identifiers:
        return []
    return [row for digester in writing_digesters(session) for row in rows_for(report_id, digester, identifiers)]


def store(session: Session, rows: list[dict]) -> int:
    """Insert rows a report does not have yet; a whole row that turns out partial is marked so."""
    if not rows:
        return 0
    report_ids = {row["report_id"] for row in rows}
    # A rotation rewriting these reports' rows holds them too (rotate.py): wait for it, then hold
    # them until this transaction ends, so that neither loses or repeats the other's rows.
    session.execute(select(Report.id).where(Report.id.in_(report_ids)).with_for_update())
    # The monitoring figures count reports linked to another: the reports these rows may link,
    # counted before and after (``stats.rollup``).
    linking = rollup.RepeatChange(session, report_ids, [(r["kind"], r["digest"], r["key_version"]) for r in rows])
    existing = {
        (r.report_id, r.kind, r.digest, r.key_version): r.partial
        for r in session.execute(
            select(
                IdentifierIndex.report_id,
                IdentifierIndex.kind,
                IdentifierIndex.digest,
                IdentifierIndex.key_version,
                IdentifierIndex.partial,
            ).where(IdentifierIndex.report_id.in_(report_ids))
        )
    }
    new = []
    for row in rows:
        key = (row["report_id"], row["kind"], row["digest"], row["key_version"])
        if key not in existing:
            new.append(row)
        elif row["partial"] and not existing[key]:
            session.execute(
                update(IdentifierIndex)
                .where(
                    IdentifierIndex.report_id == key[0],
                    IdentifierIndex.kind == key[1],
                    IdentifierIndex.digest == key[2],
                    IdentifierIndex.key_version == key[3],
                )
                .values(partial=True)
            )
    if new:
        session.connection().execute(insert(IdentifierIndex.__table__), new)
    linking.done()
    return len(new)


def store_new(session: Session, rows: list[dict], received_at: datetime) -> Counter:
    """Insert the rows of one report inserted in this transaction at ``received_at``: one
    statement, and no lock or read of the report's own rows (no other transaction can see the
    report, so none holds or has written them). Returns the monitoring figures' changes for the
    reports it comes to share an identifier with, counted as linked (``stats.rollup``), for the
    caller to apply with the report's own counts in one statement."""
    if not rows:
        return Counter()
    linking = rollup.RepeatChange(session, filed=(rows, received_at))
    session.connection().execute(insert(IdentifierIndex.__table__), rows)
    return linking.changes()


def index_section(session: Session, report_id: str, perpetrator: object) -> int:
    return store(session, prepare(session, report_id, perpetrator))


def forget(session: Session, report_id: str) -> None:
    """Erasure: the report's index rows go with its content."""
    linking = rollup.RepeatChange(session, {report_id}, None)
    session.execute(IdentifierIndex.__table__.delete().where(IdentifierIndex.report_id == report_id))
    linking.done()
