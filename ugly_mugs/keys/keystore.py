"""Group keys at rest: setting up the scheme and police unit keys, and opening them with the recovery passphrase.

At setup a recovery key pair is derived from a fresh passphrase (Argon2id gives the seed of a
hybrid X25519 + ML-KEM-768 key pair, see ugly_mugs.crypto.sealing); only its public half and
salt are stored. Group key pairs are hybrid too; installations set up before keep their X25519
keys, which go on working. The scheme key pair and one key pair per police unit
are generated and their private halves sealed to the recovery public key, so that units
added later can be sealed without the passphrase. The passphrase is returned once, to be
printed, and never stored.
"""

from __future__ import annotations

import contextlib
import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from config import Choice, UnitSetting
from ugly_mugs.crypto import DecryptionError, passwords, receipt, sealing
from ugly_mugs.models import Area, GroupKey, PoliceUnit, RecoveryKey, SealedGroupKey

SCHEME = "scheme"
UNIT = "unit"
# A group key being replaced by rotation (ugly_mugs.keys.rotation): its row keeps its id, so the
# seals under it stay bound, until the last of them has moved and it is destroyed.
RETIRING = "retiring"
PASSPHRASE_SYMBOLS = 32  # 160 bits


class SetupError(RuntimeError):
    """Setup cannot go ahead; the message says why."""


class KeyUnavailable(RuntimeError):
    """A public key the operation needs does not exist: the installation is not set up."""


def new_passphrase() -> str:
    raw = "".join(secrets.choice(receipt.ALPHABET) for _ in range(PASSPHRASE_SYMBOLS))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _normalise_passphrase(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def normalise_passphrase(text: str) -> str:
    """The passphrase as derived from: letters and digits only, upper case (dashes, spaces and case don't matter)."""
    return _normalise_passphrase(text)


def recovery_pair(passphrase: str, recovery: RecoveryKey) -> sealing.KeyPair:
    """The recovery key pair ``passphrase`` gives for the stored ``recovery`` key (Argon2id with its salt)."""
    return _recovery_pair(passphrase, recovery)


def _recovery_pair(passphrase: str, recovery: RecoveryKey) -> sealing.KeyPair:
    """The recovery key pair, of the kind its stored public key says (hybrid since it exists)."""
    params = passwords.Argon2Params(**recovery.kdf_params)
    seed = passwords.derive_key(_normalise_passphrase(passphrase), recovery.salt, params)
    return sealing.key_pair_from_seed(seed, sealing.kind_of(recovery.public_key))


def _group_context(group_key_id: int) -> bytes:
    return f"group-key|{group_key_id}|recovery".encode("ascii")


def recovery_context(group_key_id: int) -> bytes:
    """What a group private key's recovery copy is bound to."""
    return _group_context(group_key_id)


def successor_context(group_key_id: int) -> bytes:
    """What a retiring group key's ``successor`` copy (its private key sealed to the new public key) is bound to."""
    return f"group-key|{group_key_id}|successor".encode("ascii")


def is_set_up(session: Session) -> bool:
    return session.scalar(select(GroupKey.id).where(GroupKey.kind == SCHEME)) is not None


def _new_group_key(session: Session, recovery: RecoveryKey, kind: str, unit: PoliceUnit | None) -> GroupKey:
    pair = sealing.generate_key_pair()
    group = GroupKey(kind=kind, police_unit_id=unit.id if unit else None, public_key=pair.public)
    session.add(group)
    session.flush()
    sealed = sealing.seal(recovery.public_key, pair.private, _group_context(group.id))
    session.add(SealedGroupKey(group_key_id=group.id, recovery_key_id=recovery.id, sealed=sealed))
    return group


def set_up(session: Session, areas: tuple[Choice, ...], units: tuple[UnitSetting, ...]) -> str:
    """Create the recovery key, the scheme key, areas, units and unit keys; return the passphrase."""
    if is_set_up(session):
        raise SetupError("this installation is already set up; its keys were not changed")
    passphrase = new_passphrase()
    salt = passwords.new_salt()
    params = passwords.DEFAULT_PARAMS
    seed = passwords.derive_key(_normalise_passphrase(passphrase), salt, params)
    recovery = RecoveryKey(
        public_key=sealing.key_pair_from_seed(seed).public,
        salt=salt,
        kdf_params=params.as_dict(),
    )
    session.add(recovery)
    session.flush()
    _new_group_key(session, recovery, SCHEME, None)
    sync_places(session, areas, units)
    return passphrase


def sync_places(session: Session, areas: tuple[Choice, ...], units: tuple[UnitSetting, ...]) -> list[str]:
    """Add configured areas and units that do not exist yet (with unit keys); return what was added."""
    recovery = session.scalars(select(RecoveryKey).order_by(RecoveryKey.id.desc())).first()
    if recovery is None:
        raise SetupError("run setup first: there is no recovery key")
    added: list[str] = []
    existing_areas = {a.code: a for a in session.scalars(select(Area))}
    for choice in areas:
        if choice.code not in existing_areas:
            area = Area(code=choice.code, name=choice.label)
            session.add(area)
            existing_areas[choice.code] = area
            added.append(f"area {choice.code}")
    session.flush()
    existing_units = {u.code: u for u in session.scalars(select(PoliceUnit))}
    for setting in units:
        unit = existing_units.get(setting.code)
        if unit is None:
            unit = PoliceUnit(code=setting.code, name=setting.name)
            session.add(unit)
            session.flush()
            _new_group_key(session, recovery, UNIT, unit)
            added.append(f"police unit {setting.code}")
        for code in setting.areas:
            area = existing_areas[code]
            if area.police_unit_id is None:
                area.police_unit_id = unit.id
            elif area.police_unit_id != unit.id:
                raise SetupError(f"area {code} already belongs to another police unit")
    session.flush()
    return added


def scheme_key(session: Session) -> GroupKey:
    group = session.scalar(select(GroupKey).where(GroupKey.kind == SCHEME))
    if group is None:
        raise KeyUnavailable("the scheme key does not exist; run setup")
    return group


def unit_key(session: Session, police_unit_id: int) -> GroupKey:
    group = session.scalar(select(GroupKey).where(GroupKey.police_unit_id == police_unit_id))
    if group is None:
        raise KeyUnavailable(f"police unit {police_unit_id} has no key")
    return group


def open_group_keys(session: Session, passphrase: str) -> dict[int, sealing.KeyPair]:
    """Every group key pair, opened with the recovery passphrase; raises DecryptionError if it is wrong."""
    opened: dict[int, sealing.KeyPair] = {}
    for recovery in session.scalars(select(RecoveryKey)):
        pair = _recovery_pair(passphrase, recovery)
        copies = session.scalars(select(SealedGroupKey).where(SealedGroupKey.recovery_key_id == recovery.id))
        for copy in copies:
            private = sealing.unseal(pair, copy.sealed, _group_context(copy.group_key_id))
            opened[copy.group_key_id] = sealing.key_pair_from_private(private)
    retiring = set(retiring_ids(session))
    for group_key_id, pair in list(opened.items()):
        if group_key_id not in retiring:
            opened[group_key_id] = with_predecessors(session, pair)
    return opened


def purge_tables(engine: Engine, tables: tuple[str, ...]) -> None:
    """Overwrite deleted or replaced key copies in the database's files: SQLite zeroed them in
    place (``secure_delete``) and its write-ahead log is checkpointed and truncated; PostgreSQL
    rewrites ``tables`` (``VACUUM FULL``; key tables are small). Best effort: a reader holding the
    SQLite log, or a lock held past 10 s, leaves it to the next purge (``reports.erasure``)."""
    with contextlib.suppress(OperationalError, ProgrammingError):
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET lock_timeout = '10s'")
            conn.exec_driver_sql("VACUUM FULL " + ", ".join(tables))


def retiring_ids(session: Session) -> list[int]:
    """Ids of group keys being replaced by a rotation that has not finished (usually none)."""
    return list(session.scalars(select(GroupKey.id).where(GroupKey.kind == RETIRING).order_by(GroupKey.id)))


def _successor_copies(session: Session) -> list[SealedGroupKey]:
    return list(
        session.scalars(
            select(SealedGroupKey)
            .join(GroupKey, GroupKey.id == SealedGroupKey.group_key_id)
            .where(GroupKey.kind == RETIRING, SealedGroupKey.recovery_key_id.is_(None))
            .order_by(SealedGroupKey.id)
        )
    )


def open_successor_copy(session: Session, retiring_id: int, pair: sealing.KeyPair) -> sealing.KeyPair:
    """The retiring key ``retiring_id`` opened with its successor's ``pair``; DecryptionError if it does not open."""
    copy = session.scalar(
        select(SealedGroupKey).where(
            SealedGroupKey.group_key_id == retiring_id, SealedGroupKey.recovery_key_id.is_(None)
        )
    )
    if copy is None:
        raise DecryptionError("no successor copy of that key")
    bare = sealing.KeyPair(pair.private, pair.public)
    return sealing.key_pair_from_private(sealing.unseal(bare, copy.sealed, successor_context(retiring_id)))


def predecessor_of(session: Session, group_key_id: int, pair: sealing.KeyPair) -> GroupKey | None:
    """The retiring key that ``group_key_id`` (opened as ``pair``) replaces, or None."""
    for copy in _successor_copies(session):
        try:
            open_successor_copy(session, copy.group_key_id, pair)
        except DecryptionError:
            continue
        return session.get(GroupKey, copy.group_key_id)
    return None


def with_predecessors(session: Session, pair: sealing.KeyPair) -> sealing.KeyPair:
    """``pair`` carrying the key pairs it replaces in a rotation under way (``KeyPair.previous``),
    so that seals not yet moved still open; ``pair`` itself when no rotation is under way. Only
    keys whose successor copy ``pair`` opens are added: nothing it did not already hold."""
    previous = []
    for copy in _successor_copies(session):
        try:
            previous.append(open_successor_copy(session, copy.group_key_id, pair))
        except DecryptionError:
            continue
    if not previous:
        return pair
    return sealing.KeyPair(pair.private, pair.public, previous=tuple(previous))
