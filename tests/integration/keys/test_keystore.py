"""The key store (ugly_mugs.keys.keystore) and the ``setup`` commands, against a migrated database.

Proves: set_up creates one recovery key, one scheme key, one key per configured police
unit and the configured areas (each with its unit); a second set_up raises SetupError and
changes no row; every key it makes is hybrid (X25519 + ML-KEM-768) and every sealed copy
an HPKE (version 2) seal; the printed passphrase opens every group key (each opened private key
derives the stored public key), however it is typed, and a wrong one raises
DecryptionError; no private key (group or recovery) nor the passphrase appears in any
column of any table, read raw with SQL, nor in the SQLite file; sync_places adds a newly
configured area and unit whose key the same passphrase opens, and refuses to move an
area to another unit; ``setup init`` prints a passphrase that ``setup verify-recovery``
accepts on stdin, a wrong one exits non-zero, and a second ``setup init`` is refused.
"""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import inspect, select, text

from config import parse_choices, parse_units
from tests.support.dbscan import raw_bytes
from ugly_mugs.crypto import DecryptionError, passwords, sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Area, GroupKey, PoliceUnit, RecoveryKey, SealedGroupKey

AREAS = parse_choices("north=North;south=South;east=East;centre=City Centre", "AREAS")
UNITS = parse_units("n-unit=North unit:north,centre;s-unit=South unit:south", {a.code for a in AREAS})
PASSPHRASE_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}")


@pytest.fixture
def installed(db_session):
    phrase = keystore.set_up(db_session, AREAS, UNITS)
    db_session.commit()
    return phrase


def dump_database(session) -> dict[str, list[tuple]]:
    """Every row of every table, as stored, read with plain SQL."""
    conn = session.connection()
    dump = {}
    for table in sorted(inspect(conn).get_table_names()):
        dump[table] = sorted(tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
    return dump


def stored_values(session) -> list[bytes]:
    """Every stored value as bytes: binary columns as they are, everything else as its text."""
    values = []
    for rows in dump_database(session).values():
        for row in rows:
            for value in row:
                if isinstance(value, bytes | bytearray | memoryview):
                    values.append(bytes(value))
                elif value is not None:
                    values.append(str(value).encode("utf-8"))
    return values


def forms_of(secret: bytes) -> list[bytes]:
    return [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def test_passphrase_shape(installed):
    # 32 symbols of a 32-symbol alphabet: 160 bits.
    assert PASSPHRASE_SHAPE.fullmatch(installed), installed


def test_set_up_creates_scheme_unit_keys_and_areas(db_session, installed):
    recoveries = db_session.scalars(select(RecoveryKey)).all()
    assert len(recoveries) == 1
    groups = db_session.scalars(select(GroupKey)).all()
    schemes = [g for g in groups if g.kind == keystore.SCHEME]
    assert len(schemes) == 1 and schemes[0].police_unit_id is None
    units = {u.code: u for u in db_session.scalars(select(PoliceUnit))}
    assert {code: u.name for code, u in units.items()} == {"n-unit": "North unit", "s-unit": "South unit"}
    unit_keys = [g for g in groups if g.kind == keystore.UNIT]
    assert sorted(g.police_unit_id for g in unit_keys) == sorted(u.id for u in units.values())
    assert len(groups) == 1 + len(UNITS)
    assert len({g.public_key for g in groups}) == len(groups)
    areas = {a.code: a for a in db_session.scalars(select(Area))}
    assert {code: a.name for code, a in areas.items()} == {c.code: c.label for c in AREAS}
    assert areas["north"].police_unit_id == areas["centre"].police_unit_id == units["n-unit"].id
    assert areas["south"].police_unit_id == units["s-unit"].id
    assert areas["east"].police_unit_id is None
    # Each group's private half is stored once, sealed to the recovery key.
    sealed = db_session.scalars(select(SealedGroupKey)).all()
    assert sorted(s.group_key_id for s in sealed) == sorted(g.id for g in groups)
    assert {s.recovery_key_id for s in sealed} == {recoveries[0].id}
    assert keystore.is_set_up(db_session)
    assert keystore.scheme_key(db_session).id == schemes[0].id
    # Every key of a new installation is hybrid (X25519 + ML-KEM-768) and its copies are HPKE seals.
    assert {sealing.kind_of(k.public_key) for k in [*recoveries, *groups]} == {sealing.HYBRID}
    assert {s.sealed[0] for s in sealed} == {sealing.SEAL_V2}


def test_before_set_up_nothing_is_available(db_session):
    assert not keystore.is_set_up(db_session)
    with pytest.raises(keystore.KeyUnavailable):
        keystore.scheme_key(db_session)
    with pytest.raises(keystore.SetupError):
        keystore.sync_places(db_session, AREAS, UNITS)


def test_second_set_up_is_refused_and_changes_nothing(db_session, installed):
    before = dump_database(db_session)
    with pytest.raises(keystore.SetupError):
        keystore.set_up(db_session, AREAS, UNITS)
    db_session.commit()
    assert dump_database(db_session) == before
    with pytest.raises(keystore.SetupError):
        keystore.set_up(db_session, parse_choices("west=West", "AREAS"), ())
    db_session.commit()
    assert dump_database(db_session) == before


def test_passphrase_opens_every_group_key(db_session, installed):
    opened = keystore.open_group_keys(db_session, installed)
    groups = db_session.scalars(select(GroupKey)).all()
    assert set(opened) == {g.id for g in groups}
    for group in groups:
        pair = opened[group.id]
        assert sealing.key_pair_from_private(pair.private).public == group.public_key
        # And the pair really works: something sealed to the stored public key opens.
        assert sealing.unseal(pair, sealing.seal(group.public_key, b"probe", b"ctx"), b"ctx") == b"probe"
    assert len({p.private for p in opened.values()}) == len(groups)


@pytest.mark.parametrize(
    "typed",
    [
        lambda p: p.lower(),
        lambda p: p.replace("-", " "),
        lambda p: p.replace("-", ""),
        lambda p: f"  {p}\n",
    ],
    ids=["lower-case", "spaces", "no-separators", "padded"],
)
def test_passphrase_is_tolerant_of_how_it_is_typed(db_session, installed, typed):
    assert len(keystore.open_group_keys(db_session, typed(installed))) == 1 + len(UNITS)


@pytest.mark.parametrize("wrong", ["", "not the passphrase", "x" * 1024])
def test_wrong_passphrase_raises_decryption_error(db_session, installed, wrong):
    with pytest.raises(DecryptionError):
        keystore.open_group_keys(db_session, wrong)


def test_overlong_passphrase_is_refused_before_hashing(db_session, installed):
    with pytest.raises(passwords.PasswordTooLong):
        keystore.open_group_keys(db_session, "x" * 2000)


def test_another_valid_looking_passphrase_raises_decryption_error(db_session, installed):
    other = keystore.new_passphrase()
    assert other != installed
    with pytest.raises(DecryptionError):
        keystore.open_group_keys(db_session, other)
    # One symbol off is just as wrong.
    last = installed[-1]
    near = installed[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(DecryptionError):
        keystore.open_group_keys(db_session, near)


def test_no_private_key_is_stored(db_session, installed, database_url):
    opened = keystore.open_group_keys(db_session, installed)
    recovery = db_session.scalars(select(RecoveryKey)).one()
    recovery_private = keystore._recovery_pair(installed, recovery).private
    assert sealing.key_pair_from_private(recovery_private).public == recovery.public_key
    secrets_to_find = [p.private for p in opened.values()] + [recovery_private]
    # A hybrid private key is its kind byte and a seed: the bare seed must not be stored either.
    secrets_to_find += [s[1:] for s in secrets_to_find if len(s) == sealing.HYBRID_PRIVATE_BYTES]
    needles = [form for secret in secrets_to_find for form in forms_of(secret)]
    needles += [installed.encode(), installed.replace("-", "").encode()]

    values = stored_values(db_session)
    assert any(g.public_key in values for g in db_session.scalars(select(GroupKey))), "the dump reads nothing"
    for needle in needles:
        assert not any(needle in value for value in values), "a private key or the passphrase is stored"
    if database_url.startswith("sqlite"):
        data = raw_bytes(database_url)
        assert recovery.public_key in data, "the raw file reads nothing"
        for needle in needles:
            assert needle not in data


def test_sync_places_adds_new_area_and_unit(db_session, installed):
    areas = AREAS + parse_choices("west=West", "AREAS")
    units = UNITS + parse_units("w-unit=West unit:west,east", {a.code for a in areas})
    added = keystore.sync_places(db_session, areas, units)
    db_session.commit()
    assert added == ["area west", "police unit w-unit"]

    unit = db_session.scalar(select(PoliceUnit).where(PoliceUnit.code == "w-unit"))
    assert unit.name == "West unit"
    area_units = {a.code: a.police_unit_id for a in db_session.scalars(select(Area))}
    assert area_units["west"] == area_units["east"] == unit.id
    group = keystore.unit_key(db_session, unit.id)

    opened = keystore.open_group_keys(db_session, installed)
    assert group.id in opened
    assert sealing.key_pair_from_private(opened[group.id].private).public == group.public_key
    assert len(opened) == 1 + len(units)

    # Nothing new the second time.
    before = dump_database(db_session)
    assert keystore.sync_places(db_session, areas, units) == []
    db_session.commit()
    assert dump_database(db_session) == before


def test_sync_places_refuses_to_move_an_area(db_session, installed):
    moved = parse_units("n-unit=North unit:north;s-unit=South unit:south,centre", {a.code for a in AREAS})
    with pytest.raises(keystore.SetupError, match="centre"):
        keystore.sync_places(db_session, AREAS, moved)


def _printed_passphrase(output: str) -> str:
    found = PASSPHRASE_SHAPE.findall(output)
    match = PASSPHRASE_SHAPE.search(output)
    assert match and len(found) == 1, output
    return match.group(0)


def test_setup_init_then_verify_recovery(runner, app):
    result = runner.invoke(args=["setup", "init"])
    assert result.exit_code == 0, result.output
    assert "RECOVERY PASSPHRASE" in result.output
    phrase = _printed_passphrase(result.output)

    good = runner.invoke(args=["setup", "verify-recovery"], input=phrase + "\n")
    assert good.exit_code == 0, good.output
    assert f"opens {1 + len(app.config['POLICE_UNITS'])} group keys" in good.output

    wrong = runner.invoke(args=["setup", "verify-recovery"], input=keystore.new_passphrase() + "\n")
    assert wrong.exit_code != 0
    assert "does not open" in wrong.output
    assert phrase not in wrong.output

    empty = runner.invoke(args=["setup", "verify-recovery"], input="\n")
    assert empty.exit_code != 0

    again = runner.invoke(args=["setup", "init"])
    assert again.exit_code != 0
    assert "already set up" in again.output
    assert not PASSPHRASE_SHAPE.search(again.output)
    # The first passphrase still opens the keys: the refused second run changed nothing.
    assert runner.invoke(args=["setup", "verify-recovery"], input=phrase + "\n").exit_code == 0


def test_setup_commands_have_help(runner):
    for command in ("init", "sync-places", "verify-recovery"):
        result = runner.invoke(args=["setup", command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
