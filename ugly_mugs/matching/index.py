"""Computing and storing blind-index rows when a report is stored or information is added.

No Flask imports. The matching key and the default phone region travel in ``Session.info``
(set by ``make_sessionmaker`` from the configuration), so every caller that stores a report
through a configured session indexes it, in the same transaction, without passing keys around.

Which version a matching key is, is recorded as a fingerprint derived from the key, never
the key. A key that is neither the recorded one nor the first one ever used is refused
(``MatchingKeyUnavailable``): indexing under a key nobody else uses would silently break
every link, so the report is refused and shown back instead, as with any missing key.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs.crypto import blind_index
from ugly_mugs.keys import keystore
from ugly_mugs.matching import normalise
from ugly_mugs.matching.normalise import Identifier
from ugly_mugs.models import IdentifierIndex, MatchingKeyVersion

MATCHING_KEY = "ugly_mugs.matching_key"
PHONE_REGION = "ugly_mugs.phone_region"


class MatchingKeyUnavailable(keystore.KeyUnavailable):
    """There is no matching key, or it is not the one the stored indexes were made with."""


VERSIONS = "ugly_mugs.matching_versions"


def session_info(matching_key: bytes | None, phone_region: str = "GB") -> dict:
    # VERSIONS is one dict shared by every session of the app: versions already looked up.
    return {MATCHING_KEY: matching_key, PHONE_REGION: phone_region, VERSIONS: {}}


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
    key = key_of(session)
    if not identifiers:
        return []
    return rows_for(report_id, Digester(key, current_version(session, key)), identifiers)


def store(session: Session, rows: list[dict]) -> int:
    """Insert rows a report does not have yet; a whole row that turns out partial is marked so."""
    if not rows:
        return 0
    report_ids = {row["report_id"] for row in rows}
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
    return len(new)


def index_section(session: Session, report_id: str, perpetrator: object) -> int:
    return store(session, prepare(session, report_id, perpetrator))


def forget(session: Session, report_id: str) -> None:
    """Erasure: the report's index rows go with its content."""
    session.execute(IdentifierIndex.__table__.delete().where(IdentifierIndex.report_id == report_id))
