"""Alembic migrations: the only way the schema is made, on SQLite and PostgreSQL alike.

Proves: (a) after upgrading an empty database to head, alembic's autogenerate comparison
(with column types) finds no difference from the models; (b) every revision, walked in
order from the first, upgrades onto a database holding data, goes down one step (the
first one down to nothing at all) and up again to the same schema, keeping the rows of
the tables that existed before it, and the database then still equals the models and
takes and opens a real encrypted report, and what the first release wrote (X25519 keys,
version-1 seals, an argon2-cffi password hash, audit entries without codes) still opens, logs
in and verifies at head; (c) ``flask --app wsgi db upgrade`` migrates an
empty database. Each test runs on a fresh SQLite file and, when
UGLY_MUGS_TEST_DATABASE_URL is set, on a throwaway PostgreSQL database of its own.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask.cli import cli as flask_cli
from sqlalchemy import Connection, MetaData, create_engine, func, inspect, select, text
from sqlalchemy.orm import load_only

import config as settings
from alerts.authoring import compose
from tests.support.app import TEST_DATABASE_URL, keystore_url_for, new_postgres_database
from tests.support.reading import readable_sections, scheme_pair
from ugly_mugs import audit, consent, migrate, session_info
from ugly_mugs.auth import accounts
from ugly_mugs.coordinator import casework
from ugly_mugs.crypto import aead, passwords, receipt, sealing
from ugly_mugs.db import make_engine, make_sessionmaker
from ugly_mugs.keys import channel_secrets, groups, keystore, sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import Account, Alert, AuditEntry, Base, IdentifierIndex, PoliceRelease, Report, ReportSection
from ugly_mugs.police import release
from ugly_mugs.reports import erasure as report_erasure
from ugly_mugs.reports import filing as service
from ugly_mugs.reports import sections

VERSION_TABLE = "alembic_version"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """An empty database nobody else uses: a new SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("UGLY_MUGS_TEST_DATABASE_URL is not set")
    with new_postgres_database("migr") as url:
        yield url


def schema_diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names()) - {VERSION_TABLE}
    finally:
        engine.dispose()


def schema_snapshot(url: str) -> dict:
    """Tables, columns (with types), keys, indexes and constraints, as the database reports them."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            snapshot = {}
            for table in sorted(set(insp.get_table_names()) - {VERSION_TABLE}):
                snapshot[table] = {
                    "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                    "pk": insp.get_pk_constraint(table)["constrained_columns"],
                    "fks": sorted(
                        (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                        for fk in insp.get_foreign_keys(table)
                    ),
                    "indexes": sorted(
                        (i["name"], tuple(i["column_names"]), i["unique"]) for i in insp.get_indexes(table)
                    ),
                    "uniques": sorted(
                        (u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
                    ),
                }
            return snapshot
    finally:
        engine.dispose()


def row_counts(url: str, tables: set[str]) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(tables)}
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def revisions_in_order(url: str) -> list:
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


# --- data for each revision --------------------------------------------------------------
# A migration is only tested properly against tables that hold rows. Each revision that is
# not head needs a seeder here that writes rows valid at exactly that revision (through
# reflected tables, because the models describe head) and returns the recovery passphrase
# if it set the keys up. The keys and sealed copies are genuine, in the stored format of
# that revision, so that head must still open what an older release wrote.

SEED_PASSPHRASE = "SEEDPASSPHRASE0123456789ABCDEFGH"


def legacy(report_id: str) -> ReportKey:
    """How releases before erasure keys stored a seal: as it was, not wrapped."""
    return ReportKey(report_id, None)


SEED_KDF = passwords.Argon2Params(memory_kib=256, iterations=1, lanes=1)


def _seed_initial_schema(conn: Connection) -> str:
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 12, 0)
    salt = b"seed-salt-16byte"
    recovery = sealing.key_pair_from_private(passwords.derive_key(SEED_PASSPHRASE, salt, SEED_KDF))
    scheme, unit = sealing.generate_key_pair(sealing.X25519), sealing.generate_key_pair(sealing.X25519)
    conn.execute(t["police_unit"].insert(), [{"id": 901, "code": "seed-unit", "name": "Seed unit"}])
    conn.execute(
        t["area"].insert(),
        [{"id": 901, "code": "seed-area", "name": "Seed area", "police_unit_id": 901, "active": True}],
    )
    conn.execute(
        t["recovery_key"].insert(),
        [{"id": 901, "public_key": recovery.public, "salt": salt, "kdf_params": SEED_KDF.as_dict(), "created_at": now}],
    )
    conn.execute(
        t["group_key"].insert(),
        [
            {"id": 901, "kind": "scheme", "police_unit_id": None, "public_key": scheme.public, "created_at": now},
            {"id": 902, "kind": "unit", "police_unit_id": 901, "public_key": unit.public, "created_at": now},
        ],
    )
    conn.execute(
        t["sealed_group_key"].insert(),
        [
            {
                "id": group_id,
                "group_key_id": group_id,
                "recovery_key_id": 901,
                "sealed": sealing.seal(recovery.public, pair.private, f"group-key|{group_id}|recovery".encode()),
            }
            for group_id, pair in ((901, scheme), (902, unit))
        ],
    )
    report_id = secrets.token_hex(16)
    conn.execute(
        t["report"].insert(),
        [
            {
                "id": report_id,
                "reference": "UM-SEED001",
                "receipt_lookup": receipt.lookup_id(receipt.new_code()),
                "received_at": now,
                "incident_week": date(2026, 11, 16),
                "area_id": 901,
                "police_unit_id": 901,
                "reporter_type": "self",
                "consent_level": consent.FULL_REPORT,
                "status": "received",
                "language": "en",
            }
        ],
    )
    conn.execute(t["report_category"].insert(), [{"report_id": report_id, "code": "threats"}])
    key = aead.new_key()
    content = {"what_happened": "seeded at the first revision"}
    conn.execute(
        t["report_section"].insert(),
        [
            {
                "id": 901,
                "report_id": report_id,
                "name": "incident",
                "version": 1,
                "ciphertext": sections.encrypt_section(key, report_id, "incident", 1, content),
            }
        ],
    )
    conn.execute(
        t["sealed_section_key"].insert(),
        [
            {
                "id": 900 + i,
                "section_id": 901,
                "holder": holder,
                "group_key_id": group_id,
                "sealed": sections.seal_to_public_key(
                    pair.public, key, report_id, "incident", 1, holder, legacy(report_id)
                ),
            }
            for i, (holder, group_id, pair) in enumerate(((sections.SCHEME, 901, scheme), (sections.UNIT, 902, unit)))
        ],
    )
    conn.execute(
        t["consent_change"].insert(),
        [
            {
                "report_id": report_id,
                "from_level": None,
                "to_level": consent.FULL_REPORT,
                "actor": "reporter",
                "changed_at": now,
            }
        ],
    )
    conn.execute(t["throttle_window"].insert(), [{"name": "seed", "window_start": now, "failures": 3}])
    return SEED_PASSPHRASE


def _account_row(account_id: int, username: str, now: datetime) -> dict:
    return {
        "id": account_id,
        "username": username,
        "display_name": username,
        "role": "coordinator",
        "police_unit_id": None,
        "project_id": None,
        "password_hash": "$argon2id$seed",
        "public_key": b"\x01" * 32,
        "key_salt": b"seed-salt-16byte",
        "key_params": SEED_KDF.as_dict(),
        "encrypted_private_key": b"\x02" * 60,
        "recovery_private_key": b"\x03" * 92,
        "encrypted_totp_secret": None,
        "totp_confirmed": False,
        "totp_last_step": None,
        "active": True,
        "created_at": now,
    }


def _seed_staff_accounts(conn: Connection) -> None:
    """Rows in the tables the staff-accounts revision added (and its new report columns)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 12, 0)
    conn.execute(t["project"].insert(), [{"id": 901, "name": "Seed project", "active": True}])
    conn.execute(
        t["group_key"].insert(),
        [{"id": 951, "kind": "unit", "police_unit_id": None, "public_key": b"\x05" * 32, "created_at": now}],
    )
    conn.execute(t["account"].insert(), [_account_row(901, "seed.coordinator", now)])
    conn.execute(
        t["group_membership"].insert(),
        [
            {
                "id": 901,
                "group_key_id": 951,
                "account_id": 901,
                "sealed": None,
                "invited_by": None,
                "approved_by": None,
                "created_at": now,
            }
        ],
    )
    conn.execute(
        t["staff_session"].insert(),
        [
            {
                "id_hash": "0" * 64,
                "account_id": 901,
                "stage": "anonymous",
                "created_at": now,
                "last_seen_at": now,
                "data": b"\x04" * 40,
                "personal_key": None,
            }
        ],
    )
    conn.execute(
        t["audit_entry"].insert(),
        [
            {
                "id": 1,
                "at": now,
                "actor_id": 901,
                "action": "seed",
                "report_id": None,
                "subject_account_id": None,
                "reason": None,
                "detail": {},
                "prev_hash": "0" * 64,
                "hash": "1" * 64,
            }
        ],
    )


def _seed_police_release(conn: Connection) -> None:
    """A report passed to police with an outcome, and a pending staff-recorded consent."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 13, 0)
    # Each earlier revision's round trip dropped the tables it made, so this seeds its own rows.
    conn.execute(t["account"].insert(), [_account_row(902, "seed.coordinator.2", now)])
    conn.execute(t["police_unit"].insert(), [{"id": 902, "code": "seed-unit-2", "name": "Seed unit 2"}])
    conn.execute(
        t["area"].insert(),
        [{"id": 902, "code": "seed-area-2", "name": "Seed area 2", "police_unit_id": 902, "active": True}],
    )
    report_id = secrets.token_hex(16)
    conn.execute(
        t["report"].insert(),
        [
            {
                "id": report_id,
                "reference": "UM-SEED002",
                "receipt_lookup": None,
                "received_at": now,
                "incident_week": date(2026, 11, 16),
                "area_id": 902,
                "police_unit_id": 902,
                "reporter_type": "self",
                "consent_level": consent.FULL_REPORT,
                "status": "passed_to_police",
                "language": "en",
                "filed_by_account_id": None,
                "project_id": None,
            }
        ],
    )
    conn.execute(
        t["police_release"].insert(),
        [
            {
                "id": 901,
                "report_id": report_id,
                "police_unit_id": 902,
                "passed_by": 902,
                "passed_at": now,
                "note": b"\x06" * 40,
                "note_key_scheme": b"\x07" * 92,
                "note_key_unit": b"\x08" * 92,
            }
        ],
    )
    conn.execute(
        t["police_outcome"].insert(),
        [
            {
                "id": 901,
                "release_id": 901,
                "outcome": "charged",
                "outcome_date": date(2026, 11, 22),
                "recorded_by": 902,
                "recorded_at": now,
            }
        ],
    )
    conn.execute(
        t["staff_consent"].insert(),
        [
            {
                "id": 901,
                "report_id": report_id,
                "level": "full_report",
                "given_by": "phone",
                "recorded_by": 902,
                "recorded_at": now,
                "state": "pending",
            }
        ],
    )


def _seed_alerts_outbox(conn: Connection) -> None:
    """A project with an area and a channel, an alert published from a report, its delivery, a case note."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 14, 0)
    conn.execute(t["account"].insert(), [_account_row(903, "seed.coordinator.3", now)])
    conn.execute(
        t["area"].insert(),
        [{"id": 903, "code": "seed-area-3", "name": "Seed area 3", "police_unit_id": None, "active": True}],
    )
    conn.execute(
        t["project"].insert(),
        [{"id": 903, "name": "Seed project 3", "active": True, "language": "en", "feed_token_digest": None}],
    )
    conn.execute(t["project_area"].insert(), [{"project_id": 903, "area_id": 903}])
    conn.execute(
        t["project_channel"].insert(),
        [
            {
                "id": 903,
                "project_id": 903,
                "kind": "email",
                "target": "seed@example.org",
                "secret": None,
                "active": True,
                "created_at": now,
            }
        ],
    )
    report_id = secrets.token_hex(16)
    conn.execute(
        t["report"].insert(),
        [
            {
                "id": report_id,
                "reference": "UM-SEED003",
                "receipt_lookup": None,
                "received_at": now,
                "incident_week": date(2026, 11, 16),
                "area_id": 903,
                "police_unit_id": None,
                "reporter_type": "self",
                "consent_level": consent.ALERT_ONLY,
                "status": "alert_published",
                "language": "en",
                "filed_by_account_id": None,
                "project_id": None,
            }
        ],
    )
    conn.execute(
        t["alert"].insert(),
        [
            {
                "id": 903,
                "reference": "A-SEED03",
                "report_id": report_id,
                "status": "published",
                "severity": "warning",
                "draft": b"\x09" * 40,
                "draft_key_scheme": b"\x0a" * 92,
                "created_by": 903,
                "created_at": now,
                "approved_by": None,
                "published_at": now,
                "retracted_at": None,
            }
        ],
    )
    conn.execute(t["alert_area"].insert(), [{"alert_id": 903, "area_id": 903}])
    conn.execute(
        t["alert_message"].insert(),
        [
            {
                "id": 903,
                "alert_id": 903,
                "sequence": 1,
                "kind": "alert",
                "message_id": "seed" * 8,
                "severity": "warning",
                "title": "Seed alert",
                "body": "Seed body",
                "areas": "Seed area 3",
                "incident_week": date(2026, 11, 16),
                "part_of_day": "night",
                "published_by": 903,
                "published_at": now,
            }
        ],
    )
    conn.execute(
        t["delivery"].insert(),
        [
            {
                "id": 903,
                "message_id": 903,
                "project_id": 903,
                "channel_id": 903,
                "kind": "email",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "leased_by": None,
                "leased_until": None,
                "delivered_at": None,
                "last_error": None,
            }
        ],
    )
    conn.execute(
        t["case_note"].insert(),
        [
            {
                "id": 903,
                "report_id": report_id,
                "author_id": 903,
                "created_at": now,
                "ciphertext": b"\x0b" * 40,
                "sealed_key": b"\x0c" * 92,
            }
        ],
    )


def _seed_triage(conn: Connection) -> None:
    """An alert sent for approval (the triage revision added who sent it); the account, area and
    project the alerts revision's seeder made are still there, its alert table was emptied."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(
        t["alert"].insert(),
        [
            {
                "id": 904,
                "reference": "A-SEED04",
                "report_id": None,
                "status": "awaiting_approval",
                "severity": "urgent",
                "draft": b"\x0d" * 40,
                "draft_key_scheme": b"\x0e" * 92,
                "created_by": 903,
                "created_at": datetime(2026, 11, 23, 15, 0),
                "submitted_by": 903,
            }
        ],
    )
    conn.execute(t["alert_area"].insert(), [{"alert_id": 904, "area_id": 903}])


def _seed_matching(conn: Connection) -> None:
    """A matching-key version, index rows of the police-release seeder's report, a check token."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    report_id = conn.execute(select(t["report"].c.id).where(t["report"].c.reference == "UM-SEED002")).scalar_one()
    conn.execute(
        t["matching_key_version"].insert(),
        [{"version": 1, "fingerprint": "e" * 64, "created_at": datetime(2026, 11, 23, 16, 0)}],
    )
    conn.execute(
        t["identifier_index"].insert(),
        [
            {
                "id": 905,
                "report_id": report_id,
                "kind": "phone",
                "digest": "d" * 64,
                "key_version": 1,
                "partial": False,
            },
            {
                "id": 906,
                "report_id": report_id,
                "kind": "vehicle_part",
                "digest": "c" * 64,
                "key_version": 1,
                "partial": True,
            },
        ],
    )
    conn.execute(t["project"].update().where(t["project"].c.id == 903).values(check_token_digest="b" * 64))


def _seed_monitoring(conn: Connection) -> None:
    """A police release with an outcome, and an update of a seeded alert delivered to a project."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 17, 0)
    account_id = conn.execute(select(t["account"].c.id).limit(1)).scalar_one()
    report_id = conn.execute(select(t["report"].c.id).limit(1)).scalar_one()
    unit_id = conn.execute(select(t["police_unit"].c.id).limit(1)).scalar_one()
    project_id = conn.execute(select(t["project"].c.id).limit(1)).scalar_one()
    conn.execute(
        t["project_channel"].insert(),
        [
            {
                "id": 907,
                "project_id": project_id,
                "kind": "email",
                "target": "seed7@example.org",
                "active": True,
                "created_at": now,
            }
        ],
    )
    conn.execute(
        t["police_release"].insert(),
        [{"id": 907, "report_id": report_id, "police_unit_id": unit_id, "passed_by": account_id, "passed_at": now}],
    )
    alert_id = conn.execute(select(t["alert"].c.id).limit(1)).scalar_one()
    conn.execute(
        t["police_outcome"].insert(),
        [
            {
                "id": 907,
                "release_id": 907,
                "outcome": "convicted",
                "outcome_date": date(2026, 11, 23),
                "recorded_by": account_id,
                "recorded_at": now,
            }
        ],
    )
    conn.execute(
        t["alert_message"].insert(),
        [
            {
                "id": 907,
                "alert_id": alert_id,
                "sequence": 907,
                "kind": "update",
                "message_id": "seed-update" + "7" * 21,
                "severity": "urgent",
                "title": "Seed update",
                "body": "Seed update body",
                "areas": "Seed area 3",
                "incident_week": date(2026, 11, 16),
                "part_of_day": "night",
                "published_by": account_id,
                "published_at": now,
            }
        ],
    )
    conn.execute(
        t["delivery"].insert(),
        [
            {
                "id": 907,
                "message_id": 907,
                "project_id": project_id,
                "channel_id": 907,
                "kind": "email",
                "status": "delivered",
                "attempts": 1,
                "next_attempt_at": now,
                "leased_by": None,
                "leased_until": None,
                "delivered_at": now,
                "last_error": None,
            }
        ],
    )


def _seed_covering_indexes(conn: Connection) -> None:
    """Throttle counters of the old shape: two windows of one name (only the later one is kept) and another."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(
        t["throttle_window"].insert(),
        [
            {"name": "login-fail-60:seed", "window_start": datetime(2026, 11, 23, 18, 0), "failures": 2},
            {"name": "login-fail-60:seed", "window_start": datetime(2026, 11, 23, 18, 1), "failures": 1},
            {"name": "receipt", "window_start": datetime(2026, 11, 23, 18, 0), "failures": 7},
        ],
    )


FIRST_RELEASE_PASSWORD = "first release password 905"
FIRST_RELEASE_TOTP = "JBSWY3DPEHPK3PXP"


def _seed_first_release_installation(conn: Connection) -> str:
    """An installation as the first release made it, at its last revision: X25519 recovery and
    scheme keys, a report whose section keys are sealed in the version-1 format, a coordinator
    whose password has an argon2-cffi hash beside the key that wraps their X25519 personal key
    (derived with weaker parameters than today's), their copy of the scheme key, and an audit
    chain without authentication codes. Head must go on opening, logging in and verifying all of it."""
    from argon2 import PasswordHasher

    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 23, 18, 0)
    salt = b"seed-salt-905-16"
    recovery = sealing.key_pair_from_private(passwords.derive_key(SEED_PASSPHRASE, salt, SEED_KDF))
    scheme = sealing.generate_key_pair(sealing.X25519)
    conn.execute(
        t["recovery_key"].insert(),
        [{"id": 905, "public_key": recovery.public, "salt": salt, "kdf_params": SEED_KDF.as_dict(), "created_at": now}],
    )
    conn.execute(
        t["group_key"].insert(),
        [{"id": 905, "kind": "scheme", "police_unit_id": None, "public_key": scheme.public, "created_at": now}],
    )
    conn.execute(
        t["sealed_group_key"].insert(),
        [
            {
                "id": 905,
                "group_key_id": 905,
                "recovery_key_id": 905,
                "sealed": sealing.seal(recovery.public, scheme.private, b"group-key|905|recovery"),
            }
        ],
    )
    area_id = conn.execute(select(t["area"].c.id).limit(1)).scalar_one()
    report_id = secrets.token_hex(16)
    conn.execute(
        t["report"].insert(),
        [
            {
                "id": report_id,
                "reference": "UM-SEED005",
                "receipt_lookup": None,
                "received_at": now,
                "incident_week": date(2026, 11, 16),
                "area_id": area_id,
                "police_unit_id": None,
                "reporter_type": "self",
                "consent_level": consent.ALERT_ONLY,
                "status": "received",
                "language": "en",
                "filed_by_account_id": None,
                "project_id": None,
            }
        ],
    )
    for i, (name, content) in enumerate((("incident", {"what_happened": "first release"}), ("perpetrator", {}))):
        key = aead.new_key()
        conn.execute(
            t["report_section"].insert(),
            [
                {
                    "id": 905 + i,
                    "report_id": report_id,
                    "name": name,
                    "version": 1,
                    "ciphertext": sections.encrypt_section(key, report_id, name, 1, content),
                }
            ],
        )
        sealed = sections.seal_to_public_key(scheme.public, key, report_id, name, 1, sections.SCHEME, legacy(report_id))
        assert len(sealed) == 32 + 12 + 32 + 16  # the version-1 format, as the first release wrote it
        conn.execute(
            t["sealed_section_key"].insert(),
            [{"id": 905 + i, "section_id": 905 + i, "holder": sections.SCHEME, "group_key_id": 905, "sealed": sealed}],
        )
    personal = sealing.generate_key_pair(sealing.X25519)
    first_release_hasher = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    key_salt = b"seed-key-salt-16"
    wrapping = passwords.derive_key(FIRST_RELEASE_PASSWORD, key_salt, SEED_KDF)
    conn.execute(
        t["account"].insert(),
        [
            {
                **_account_row(905, "seed.first-release", now),
                "password_hash": first_release_hasher.hash(FIRST_RELEASE_PASSWORD),
                "public_key": personal.public,
                "key_salt": key_salt,
                "encrypted_private_key": aead.encrypt(wrapping, personal.private, b"account|905|private-key"),
                "recovery_private_key": sealing.seal(recovery.public, personal.private, b"account|905|recovery"),
                "encrypted_totp_secret": aead.encrypt(wrapping, FIRST_RELEASE_TOTP.encode(), b"account|905|totp"),
                "totp_confirmed": True,
            }
        ],
    )
    conn.execute(
        t["group_membership"].insert(),
        [
            {
                "id": 905,
                "group_key_id": 905,
                "account_id": 905,
                "sealed": sealing.seal(personal.public, scheme.private, b"group-key|905|account|905"),
                "invited_by": None,
                "approved_by": None,
                "created_at": now,
            }
        ],
    )
    prev = audit.GENESIS
    for n in (1, 2, 3):
        entry = AuditEntry(
            id=n,
            at=now.replace(tzinfo=UTC),
            actor_id=905,
            action="login",
            report_id=None,
            subject_account_id=None,
            reason=None,
            detail={"n": n},
            prev_hash=prev,
        )
        entry.hash = audit._digest(entry)
        row = {c.name: getattr(entry, c.name) for c in t["audit_entry"].columns}
        conn.execute(t["audit_entry"].insert(), [{**row, "at": now}])
        prev = entry.hash
    return SEED_PASSPHRASE


# What the last revision before erasure keys wrote with real keys: a report's sections, a case
# note, a covering note and crime reference, an alert draft. Head opens them only once
# ``migrate_pending`` gave the report its erasure key, and then only with the key store.
BEFORE_ERASURE_KEYS = {"incident": {"what_happened": "before erasure keys"}, "note": "Rang her back", "ref": "CR/12"}


def _seed_hybrid_keys(conn: Connection) -> None:
    """A report written at the revision of hybrid keys, before erasure keys, with everything
    derived from it sealed for real (to the installation's scheme key and a new hybrid unit key)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 30, 12, 0)
    scheme_id, scheme_public = conn.execute(
        select(t["group_key"].c.id, t["group_key"].c.public_key).where(t["group_key"].c.kind == "scheme")
    ).first()
    author = conn.execute(select(t["account"].c.id).order_by(t["account"].c.id)).scalar()
    unit = sealing.generate_key_pair()
    conn.execute(t["police_unit"].insert(), [{"id": 906, "code": "seed-unit-6", "name": "Seed unit 6"}])
    conn.execute(
        t["area"].insert(),
        [{"id": 906, "code": "seed-area-6", "name": "Seed area 6", "police_unit_id": 906, "active": True}],
    )
    conn.execute(
        t["group_key"].insert(),
        [{"id": 906, "kind": "unit", "police_unit_id": 906, "public_key": unit.public, "created_at": now}],
    )
    report_id = secrets.token_hex(16)
    conn.execute(
        t["report"].insert(),
        [
            {
                "id": report_id,
                "reference": "UM-SEED006",
                "receipt_lookup": None,
                "received_at": now,
                "incident_week": date(2026, 11, 23),
                "area_id": 906,
                "police_unit_id": 906,
                "reporter_type": "self",
                "consent_level": consent.ANONYMOUS_INTELLIGENCE,
                "status": "passed_to_police",
                "language": "en",
                "filed_by_account_id": None,
                "project_id": None,
            }
        ],
    )
    key = aead.new_key()
    conn.execute(
        t["report_section"].insert(),
        [
            {
                "id": 910,
                "report_id": report_id,
                "name": "incident",
                "version": 1,
                "ciphertext": sections.encrypt_section(key, report_id, "incident", 1, BEFORE_ERASURE_KEYS["incident"]),
            }
        ],
    )
    conn.execute(
        t["sealed_section_key"].insert(),
        [
            {
                "id": 910,
                "section_id": 910,
                "holder": sections.SCHEME,
                "group_key_id": scheme_id,
                "sealed": sections.seal_to_public_key(
                    scheme_public, key, report_id, "incident", 1, sections.SCHEME, legacy(report_id)
                ),
            }
        ],
    )
    scheme_only = {sections.SCHEME: scheme_public}
    both = {sections.SCHEME: scheme_public, sections.UNIT: unit.public}
    note_ct, note_keys = sealed_text.seal(
        BEFORE_ERASURE_KEYS["note"], sealed_text.case_note_context(report_id), scheme_only, legacy(report_id)
    )
    conn.execute(
        t["case_note"].insert(),
        [
            {
                "id": 910,
                "report_id": report_id,
                "author_id": author,
                "created_at": now,
                "ciphertext": note_ct,
                "sealed_key": note_keys[sections.SCHEME],
            }
        ],
    )
    cover_ct, cover_keys = sealed_text.seal(
        BEFORE_ERASURE_KEYS["note"], sealed_text.release_note_context(910), both, legacy(report_id)
    )
    ref_ct, ref_keys = sealed_text.seal(
        BEFORE_ERASURE_KEYS["ref"], sealed_text.crime_reference_context(910), both, legacy(report_id)
    )
    conn.execute(
        t["police_release"].insert(),
        [
            {
                "id": 910,
                "report_id": report_id,
                "police_unit_id": 906,
                "passed_by": author,
                "passed_at": now,
                "note": cover_ct,
                "note_key_scheme": cover_keys[sections.SCHEME],
                "note_key_unit": cover_keys[sections.UNIT],
                "crime_reference": ref_ct,
                "crime_reference_key_scheme": ref_keys[sections.SCHEME],
                "crime_reference_key_unit": ref_keys[sections.UNIT],
            }
        ],
    )
    draft_ct, draft_keys = sealed_text.seal_bytes(
        b'{"title": "Seed draft", "body": "before erasure keys"}',
        sealed_text.alert_draft_context("A-SEED06"),
        scheme_only,
        legacy(report_id),
    )
    conn.execute(
        t["alert"].insert(),
        [
            {
                "id": 910,
                "reference": "A-SEED06",
                "report_id": report_id,
                "status": "draft",
                "severity": "warning",
                "draft": draft_ct,
                "draft_key_scheme": draft_keys[sections.SCHEME],
                "created_by": author,
                "created_at": now,
            }
        ],
    )


def _assert_erasure_keys_migrate(url: str, keystore_url: str, passphrase: str) -> None:
    """``migrate_pending`` (the second step of ``db upgrade``) gives every listed report its
    erasure key: afterwards nothing is pending, everything the seeder wrote before erasure keys
    opens through the key store, and its stored seals no longer open without it."""
    cfg = settings.load({}, {"DATABASE_URL": url, "KEYSTORE_URL": keystore_url})
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, session_info(cfg))() as session:
            assert report_erasure.pending_count(session) > 0
            migrated = report_erasure.migrate_pending(session)
            assert migrated.keyed > 0
            assert report_erasure.pending_count(session) == 0
            assert report_erasure.migrate_pending(session) == report_erasure.Migrated(0, 0)
            report = session.scalar(select(Report).where(Report.reference == "UM-SEED006"))
            pairs = keystore.open_group_keys(session, passphrase)
            pair = pairs[keystore.scheme_key(session).id]
            assert readable_sections(session, report, pair, sections.SCHEME) == {
                "incident": [BEFORE_ERASURE_KEYS["incident"]]
            }
            assert readable_sections(session, report, pair, sections.SCHEME, legacy(report.id)) == {}
            assert [n.text for n in casework.notes(session, report, pair)] == [BEFORE_ERASURE_KEYS["note"]]
            release_row = session.get(PoliceRelease, 910)
            assert release.note_for(session, release_row, pair, sections.SCHEME) == BEFORE_ERASURE_KEYS["note"]
            assert release.crime_reference_for(session, release_row, pair, sections.SCHEME) == "CR/12"
            alert = session.scalar(select(Alert).where(Alert.reference == "A-SEED06"))
            assert compose.open_draft(session, alert, pair).body == "before erasure keys"
            assert _assert_every_section_opens(url, passphrase, keystore_url) >= 4
    finally:
        engine.dispose()


def _assert_first_release_still_works(url: str, keystore_url: str) -> None:
    """What ``_seed_first_release_installation`` wrote opens at head: the coordinator logs in with
    their password (which moves them to one derivation and today's parameters), their copy of
    the scheme key opens the version-1 seals, and the audit chain verifies and takes new entries."""
    engine = make_engine(url)
    try:
        cfg = settings.load({}, {"DATABASE_URL": url, "KEYSTORE_URL": keystore_url})
        with make_sessionmaker(engine, session_info(cfg))() as session:
            account = session.get(Account, 905)
            assert accounts.open_with_password(account, FIRST_RELEASE_PASSWORD + "x") is None
            unlocked = accounts.open_with_password(account, FIRST_RELEASE_PASSWORD)
            assert unlocked is not None and unlocked.personal.public == account.public_key
            assert account.password_hash.startswith(accounts.VERIFIER_PREFIX)
            assert account.key_params == passwords.DEFAULT_PARAMS.as_dict()
            assert accounts.totp_secret(account, unlocked.wrapping_key) == FIRST_RELEASE_TOTP
            session.commit()
            again = accounts.open_with_password(session.get(Account, 905), FIRST_RELEASE_PASSWORD)
            assert again is not None and again.personal == unlocked.personal
            pair = groups.open_group_key(session, 905, unlocked.personal, 905)
            assert pair.kind == sealing.X25519
            report = session.scalar(select(Report).where(Report.reference == "UM-SEED005"))
            opened = readable_sections(session, report, pair, sections.SCHEME)
            assert opened["incident"] == [{"what_happened": "first release"}]
            audit.record(session, "migration_check")
            session.commit()
            result = audit.verify(session)
            assert result.ok, result.problems
            assert result.legacy >= 3 and result.checked > result.legacy
    finally:
        engine.dispose()


SEED_WEBHOOK_SECRET = "seed-webhook-secret-stored-readable-before"


def _seed_readable_webhook_secret(conn: Connection) -> None:
    """A webhook whose signing secret was stored readable, as every release before the sealed
    secrets did: upgrading must seal it (the receiver keeps the secret it holds)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    project_id = conn.execute(select(t["project"].c.id).limit(1)).scalar_one()
    conn.execute(
        t["project_channel"].insert(),
        [
            {
                "id": 908,
                "project_id": project_id,
                "kind": "webhook",
                "target": "https://hooks.seed.example/alerts",
                "secret": SEED_WEBHOOK_SECRET,
                "active": True,
                "created_at": datetime(2026, 11, 30, 9, 0),
            }
        ],
    )


def _assert_webhook_secret_sealed(url: str) -> None:
    """At head the seeded secret is nowhere readable, and opens with the delivery key."""
    cfg = settings.load({})
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("project_channel")}
            assert "secret" not in columns
            sealed = conn.execute(text("SELECT secret_sealed FROM project_channel WHERE id = 908")).scalar_one()
    finally:
        engine.dispose()
    assert SEED_WEBHOOK_SECRET.encode() not in bytes(sealed)
    assert channel_secrets.open_secret(cfg["DELIVERY_KEY"], 908, bytes(sealed)) == SEED_WEBHOOK_SECRET


def _seed_erasure_requests_and_jobs(conn: Connection) -> None:
    """An erasure asked for by one coordinator and waiting for a second, and a job's lease, as the
    revision of erasure keys stores them (the next revision adds invitation columns to accounts)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 12, 8, 9, 0)
    report_id = conn.execute(select(t["report"].c.id).order_by(t["report"].c.id)).scalar()
    author = conn.execute(select(t["account"].c.id).order_by(t["account"].c.id)).scalar()
    conn.execute(
        t["erasure_request"].insert(),
        [
            {
                "id": 907,
                "report_id": report_id,
                "reason": "reporter_asked",
                "requested_by": author,
                "requested_at": now,
                "state": "pending",
            }
        ],
    )
    conn.execute(t["scheduled_job"].insert(), [{"name": "seed-job", "last_run_at": now, "due_at": now}])


def _seed_open_invitation(conn: Connection) -> None:
    """An account waiting for its invitation to be accepted, as the invitations' revision stores
    it: no password and no key pair yet, only the keyed hash of the link's token and its expiry."""
    meta = MetaData()
    meta.reflect(conn)
    conn.execute(
        meta.tables["account"].insert(),
        [
            {
                "id": 909,
                "username": "seeded-invitee",
                "display_name": "Seeded invitee",
                "role": "outreach",
                "password_hash": "",
                "public_key": b"",
                "key_salt": b"",
                "key_params": {},
                "encrypted_private_key": b"",
                "recovery_private_key": b"",
                "totp_confirmed": False,
                "active": True,
                "created_at": datetime(2026, 12, 9, 9, 0),
                "invitation_digest": "ab" * 32,
                "invitation_expires_at": datetime(2026, 12, 16, 9, 0),
            }
        ],
    )


def _assert_counts_per_day_match(url: str) -> None:
    """The monitoring counts per day and month hold exactly what counting the stored reports gives."""
    from ugly_mugs.dates import local
    from ugly_mugs.stats import rollup

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text("SELECT span, day, dimension, value, n FROM stats_day_count")
            stored = {(sp, str(d), dim, v): n for sp, d, dim, v, n in conn.execute(query) if n}
            counted = rollup.spans(rollup.counted_rows(conn, local.load(local.DEFAULT)))
    finally:
        engine.dispose()
    assert counted
    assert {(r["span"], str(r["day"]), r["dimension"], r["value"]): r["n"] for r in counted} == stored


def _seed_idempotency_record(conn: Connection) -> None:
    """A filing's idempotency record, as its revision stores it, for a report seeded before: the
    revisions after it (the counts per day among them) must count the reports stored so far and keep this row."""
    meta = MetaData()
    meta.reflect(conn)
    report_id = conn.execute(select(meta.tables["report"].c.id).limit(1)).scalar_one()
    conn.execute(
        meta.tables["idempotency_record"].insert(),
        [
            {
                "key_id": "cd" * 32,
                "body_tag": "ef" * 32,
                "report_id": report_id,
                "sealed_answer": b"\x01sealed",
                "expires_at": datetime(2026, 12, 11, 9, 0),
            }
        ],
    )


def _seed_message_key_and_help(conn: Connection) -> None:
    """What the receipt-messages revision stores: a report's public message key with a message
    waiting for her, and a help setting an admin edited (the next revision adds subscriptions)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    report_id = conn.execute(select(t["report"].c.id).order_by(t["report"].c.id)).scalar()
    conn.execute(
        t["report"].update().where(t["report"].c.id == report_id),
        {"receipt_public_key": b"\x01" + b"k" * 32, "message_waiting": "reporter"},
    )
    conn.execute(
        t["site_setting"].insert(),
        [{"name": "help", "value": {"emergency": "999"}, "changed_at": datetime(2026, 12, 11, 9, 0)}],
    )


def _seed_subscription(conn: Connection) -> None:
    """A confirmed subscriber for one area, as the subscriptions revision stores her: her number
    only sealed and as a keyed index (the next revision adds the monitoring counts per day)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    area_id = conn.execute(select(t["area"].c.id).order_by(t["area"].c.id)).scalar()
    conn.execute(
        t["subscription"].insert(),
        [
            {
                "id": 77,
                "public_id": "seeded-subscriber-0001",
                "kind": "sms",
                "contact_index": "aa" * 32,
                "contact_sealed": b"\x02sealed-number",
                "contact_hint": "77",
                "language": "pl",
                "state": "active",
                "code_hash": None,
                "code_expires_at": None,
                "code_attempts": 0,
                "last_activity_at": datetime(2026, 12, 12, 9, 0),
            }
        ],
    )
    conn.execute(t["subscription_area"].insert(), [{"subscription_id": 77, "area_id": area_id}])


def _seed_hinted_subscriber(conn: Connection) -> None:
    """A second subscriber as the day-counts revision stores her, with the last two digits of her
    number in clear as a hint (the next revision drops them)."""
    meta = MetaData()
    meta.reflect(conn)
    t = meta.tables
    conn.execute(
        t["subscription"].insert(),
        [
            {
                "id": 78,
                "public_id": "seeded-subscriber-0002",
                "kind": "sms",
                "contact_index": "bb" * 32,
                "contact_sealed": b"\x02sealed-number-2",
                "contact_hint": "42",
                "language": "en",
                "state": "pending",
                "code_hash": None,
                "code_expires_at": None,
                "code_attempts": 0,
                "last_activity_at": datetime(2026, 12, 13, 9, 0),
            }
        ],
    )


SEEDERS: dict[str, Callable[[Connection], str | None]] = {
    "c56bb297b78a": _seed_initial_schema,
    "e86756c4b8cc": _seed_staff_accounts,
    "7150d00761f9": _seed_police_release,
    "18a7c87d9fbb": _seed_alerts_outbox,
    "b3e1f0a2c9d4": _seed_triage,
    "1a9ae5e8ace8": _seed_matching,
    "3694423c78ce": _seed_monitoring,
    "5d2e8c1f4a7b": _seed_covering_indexes,
    "4c7e1d2b9a60": _seed_first_release_installation,
    "9c4e7a2b5d10": _seed_readable_webhook_secret,
    "6e2b9d4f1c38": _seed_hybrid_keys,
    "6e2b9d4f7a31": _seed_erasure_requests_and_jobs,
    "b3d81f6a2c47": _seed_open_invitation,
    "7f3a1c5e9b42": _seed_idempotency_record,
    "a4c2e8f1d5b7": _seed_message_key_and_help,
    "2b8e5f0c7d13": _seed_subscription,
    "a4c2e9d7f1b3": _seed_hinted_subscriber,
}


def _seed_head(url: str, passphrase: str | None, keystore_url: str) -> str:
    """Set the installation up (or add the configured places) and file a real report; returns the passphrase."""
    cfg = settings.load({}, {"DATABASE_URL": url, "KEYSTORE_URL": keystore_url})
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, session_info(cfg))() as session:
            if keystore.is_set_up(session):
                assert passphrase is not None
                keystore.sync_places(session, cfg["AREAS"], cfg["POLICE_UNITS"])
            else:
                passphrase = keystore.set_up(session, cfg["AREAS"], cfg["POLICE_UNITS"])
            filed = service.file_report(
                session,
                service.NewReport(
                    incident_date=date(2026, 11, 20),
                    area_code=cfg["AREAS"][0].code,
                    categories=["physical-assault"],
                    consent_level=consent.FULL_REPORT,
                    reporter_type="self",
                    identity={"name": "Migration reporter"},
                    incident={"what_happened": "filed at head"},
                    perpetrator={"vehicle": {"registration": "MG12 ABC"}, "phone_numbers": ["07700 900777"]},
                ),
                {c.code for c in cfg["CATEGORIES"]},
            )
            session.commit()
            assert session.scalar(select(func.count()).select_from(IdentifierIndex)) > 0
            report = session.scalar(select(Report).where(Report.reference == filed.reference))
            opened = readable_sections(session, report, scheme_pair(session, passphrase), sections.SCHEME)
            assert opened["incident"] == [{"what_happened": "filed at head"}]
            assert set(opened) == set(sections.SECTION_NAMES)
    finally:
        engine.dispose()
    return passphrase


def _assert_every_section_opens(url: str, passphrase: str, keystore_url: str | None) -> int:
    """Every stored section of every report opens with the scheme key; returns how many there are.

    ``keystore_url``: at head, seals are unwrapped with the reports' erasure keys from there;
    None before erasure keys existed (seals stored as they were)."""
    cfg = settings.load({}, {"DATABASE_URL": url, "KEYSTORE_URL": keystore_url}) if keystore_url else None
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, session_info(cfg) if cfg else None)() as session:
            pair = scheme_pair(session, passphrase)
            count = 0
            # Only the columns every revision has: later revisions add columns to report.
            for report in session.scalars(select(Report).options(load_only(Report.id, Report.reference))):
                stored = session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)).all()
                erasure_key = ... if cfg else legacy(report.id)
                opened = readable_sections(session, report, pair, sections.SCHEME, erasure_key)
                assert sum(len(v) for v in opened.values()) == len(stored), report.reference
                count += len(stored)
            return count
    finally:
        engine.dispose()


# --- the tests ---------------------------------------------------------------------------


def test_one_head_and_no_branches(tmp_path):
    script = ScriptDirectory.from_config(migrate.alembic_config(f"sqlite:///{tmp_path / 'x.sqlite3'}"))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_upgrade_gives_exactly_the_models_schema(empty_database_url):
    url = empty_database_url
    assert table_names(url) == set()
    migrate.upgrade(url)
    assert table_names(url) == set(Base.metadata.tables)
    assert schema_diff(url) == []


def test_comparison_notices_a_drift(empty_database_url):
    # The check above is only worth something if a real difference shows up in it.
    url = empty_database_url
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        conn.execute(text("ALTER TABLE area ADD COLUMN note VARCHAR(10)"))
    engine.dispose()
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in schema_diff(url)}
    assert {"remove_table", "remove_column"} <= kinds


def test_every_revision_goes_down_and_up_with_data(empty_database_url, tmp_path):
    url = empty_database_url
    keys = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    revisions = revisions_in_order(url)
    assert revisions, "no migrations found"
    head = revisions[-1].revision
    missing = [r.revision for r in revisions[:-1] if r.revision not in SEEDERS]
    assert not missing, f"add a seeder to SEEDERS for revision(s) {missing}"

    passphrase = None
    for rev in revisions:
        previous = rev.down_revision or "base"
        migrate.upgrade(url, rev.revision)
        assert current_revision(url) == rev.revision

        if rev.revision in SEEDERS:
            engine = make_engine(url)
            try:
                with engine.begin() as conn:
                    passphrase = SEEDERS[rev.revision](conn) or passphrase
            finally:
                engine.dispose()
        if rev.revision == head:
            passphrase = _seed_head(url, passphrase, keys)
            _assert_first_release_still_works(url, keys)
            _assert_webhook_secret_sealed(url)
            _assert_counts_per_day_match(url)

        before_schema = schema_snapshot(url)
        before_counts = row_counts(url, set(before_schema))
        assert any(before_counts.values()), f"no data in the database at {rev.revision}"

        migrate.downgrade(url, previous)
        assert current_revision(url) == (None if previous == "base" else previous)
        kept_tables = table_names(url)
        if previous == "base":
            assert kept_tables == set(), f"downgrading {rev.revision} to base left {kept_tables}"
            passphrase = None

        migrate.upgrade(url, rev.revision)
        assert current_revision(url) == rev.revision
        assert schema_snapshot(url) == before_schema, f"{rev.revision} down and up changed the schema"
        after_counts = row_counts(url, kept_tables)
        assert after_counts == {t: before_counts[t] for t in kept_tables}, f"{rev.revision} down and up lost rows"
        if passphrase is not None:
            assert _assert_every_section_opens(url, passphrase, keys if rev.revision == head else None) > 0

    assert current_revision(url) == head
    assert schema_diff(url) == []
    # The migrated-down-and-up database still takes and opens a real report.
    passphrase = _seed_head(url, passphrase, keys)
    assert _assert_every_section_opens(url, passphrase, keys) >= 3
    _assert_first_release_still_works(url, keys)
    _assert_webhook_secret_sealed(url)
    # The second step of the erasure keys' migration, as `db upgrade` runs it.
    _assert_erasure_keys_migrate(url, keys, passphrase)


def test_downgrade_from_head_to_base_and_back(empty_database_url, tmp_path):
    url = empty_database_url
    migrate.upgrade(url)
    _seed_head(url, None, f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    migrate.downgrade(url, "base")
    assert table_names(url) == set()
    migrate.upgrade(url)
    assert schema_diff(url) == []
    assert row_counts(url, {"report"}) == {"report": 0}


def test_flask_db_upgrade_on_an_empty_database(empty_database_url, project_root, monkeypatch):
    url = empty_database_url
    monkeypatch.chdir(project_root)
    env = {
        "UGLY_MUGS_DATABASE_URL": url,
        "UGLY_MUGS_KEYSTORE_URL": keystore_url_for(url),
        "UGLY_MUGS_ENV": "development",
    }
    # wsgi builds its app at import from the environment: import it afresh for this database.
    saved = sys.modules.pop("wsgi", None)
    try:
        result = CliRunner().invoke(flask_cli, ["--app", "wsgi", "db", "upgrade"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "database migrated to head" in result.output
        again = CliRunner().invoke(flask_cli, ["--app", "wsgi", "db", "upgrade"], env=env, catch_exceptions=False)
        assert again.exit_code == 0, again.output
    finally:
        fresh = sys.modules.pop("wsgi", None)
        if fresh is not None:
            assert fresh.app.config["DATABASE_URL"] == url
            fresh.app.extensions["ugly_mugs.engine"].dispose()
        if saved is not None:
            sys.modules["wsgi"] = saved
    assert current_revision(url) == revisions_in_order(url)[-1].revision
    assert schema_diff(url) == []


def test_db_commands_have_help(runner):
    for args in (["db", "--help"], ["db", "upgrade", "--help"], ["db", "downgrade", "--help"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
