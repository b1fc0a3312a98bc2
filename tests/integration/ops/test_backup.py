"""The backup commands: create, keystore, verify, restore — on SQLite and PostgreSQL.

Proves: ``backup create`` copies every acknowledged report, also those still only in SQLite's
write-ahead log (a copy of the database file alone loses them) and, on PostgreSQL, through
``pg_dump``; the backup holds no key store and nothing of the key files; ``backup verify``
accepts it and refuses one whose copy changed or whose manifest is gone; ``backup restore``
refuses a target that is not empty and a backup of the wrong kind, and changes nothing then;
``backup keystore`` keeps its backups apart and deletes those older than ``--keep-days`` (and
only those); every command has ``--help``.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from tests.support.app import TEST_DATABASE_URL, make_app, new_postgres_database
from tests.support.erasure import file
from ugly_mugs.models import Report
from ugly_mugs.ops import backup


def one_backup(directory: Path) -> Path:
    (found,) = sorted(directory.iterdir())
    return found


@contextmanager
def scratch_database(url: str, tmp_path: Path):
    """An empty database of the same kind as ``url``: a new SQLite file, or a new PostgreSQL database."""
    if make_url(url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    with new_postgres_database("i16_scratch", url) as scratch:
        yield scratch


def report_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Report)).scalar_one()
    finally:
        engine.dispose()


def test_a_backup_holds_every_acknowledged_report_and_restores_into_an_empty_database(
    app, passphrase, database_url, runner, tmp_path
):
    client = app.test_client()
    filed = [file(client, f"Backup{n}", "alert_only") for n in range(12)]
    if not TEST_DATABASE_URL:
        # The last reports are still only in the write-ahead log: copying the file alone loses them.
        path = backup.sqlite_path(database_url)
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        naive = tmp_path / "naive-copy.sqlite3"
        shutil.copyfile(path, naive)
        with sqlite3.connect(naive) as conn:
            assert conn.execute("SELECT count(*) FROM report").fetchone()[0] < len(filed)

    result = runner.invoke(args=["backup", "create", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    assert f"({len(filed)} reports)" in result.output
    made = one_backup(tmp_path / "backups")
    manifest = backup.read_manifest(made)
    assert manifest["kind"] == "database" and manifest["reports"] == len(filed)
    assert manifest["format"] == ("pgdump" if TEST_DATABASE_URL else "sqlite")
    # Nothing of the key store or the key files is in it.
    assert sorted(p.name for p in made.iterdir()) == sorted([backup.MANIFEST, *manifest["files"]])
    contents = b"".join(p.read_bytes() for p in made.iterdir())
    keys = app.extensions["ugly_mugs.keystore"]
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        erasure_keys, _ = keys.lookup([r.id for r in session.scalars(select(Report))])
    assert erasure_keys and not any(key in contents for key in erasure_keys.values())
    assert app.config["MATCHING_KEY"] not in contents and app.config["AUDIT_KEY"] not in contents

    verified = runner.invoke(args=["backup", "verify", str(made)])
    assert verified.exit_code == 0, verified.output
    assert "is whole" in verified.output

    with scratch_database(database_url, tmp_path) as target:
        restored = backup.restore(made, target, app.config["KEYSTORE_URL"])
        assert restored.reports == len(filed) == report_count(target)
        # Never over something that is there.
        with pytest.raises(backup.BackupError, match="not empty"):
            backup.restore(made, target, app.config["KEYSTORE_URL"])
    # Nor into the live database, whose reports stay as they are.
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(made, database_url, app.config["KEYSTORE_URL"])
    assert report_count(database_url) == len(filed)


def test_verify_finds_a_changed_copy_and_a_missing_manifest(app, passphrase, runner, tmp_path):
    file(app.test_client(), "Verify", "alert_only")
    assert runner.invoke(args=["backup", "create", str(tmp_path / "b")]).exit_code == 0
    made = one_backup(tmp_path / "b")
    (copy,) = (p for p in made.iterdir() if p.name != backup.MANIFEST)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    changed = runner.invoke(args=["backup", "verify", str(made)])
    assert changed.exit_code == 1 and "has changed since the backup was made" in changed.output
    with pytest.raises(backup.BackupError, match="not empty|does not verify"):
        backup.restore(made, f"sqlite:///{tmp_path / 'never.sqlite3'}", app.config["KEYSTORE_URL"])
    assert not (tmp_path / "never.sqlite3").exists()
    (made / backup.MANIFEST).unlink()
    gone = runner.invoke(args=["backup", "verify", str(made)])
    assert gone.exit_code != 0 and "is not a backup" in gone.output


def test_restore_refuses_the_wrong_kind_of_backup(app, passphrase, runner, tmp_path):
    assert runner.invoke(args=["backup", "keystore", str(tmp_path / "keys")]).exit_code == 0
    keys_backup = one_backup(tmp_path / "keys")
    with pytest.raises(backup.BackupError, match="not a database backup"):
        backup.restore(keys_backup, f"sqlite:///{tmp_path / 'x.sqlite3'}", app.config["KEYSTORE_URL"])
    assert runner.invoke(args=["backup", "create", str(tmp_path / "db")]).exit_code == 0
    with pytest.raises(backup.BackupError, match="not a key store backup"):
        backup.restore(
            one_backup(tmp_path / "db"),
            f"sqlite:///{tmp_path / 'x.sqlite3'}",
            f"sqlite:///{tmp_path / 'k.sqlite3'}",
            one_backup(tmp_path / "db"),
        )
    # The key store in use is never overwritten by a backup of it.
    file(app.test_client(), "Keys", "alert_only")
    with pytest.raises(backup.BackupError, match="key store to restore into is not empty"):
        backup.restore(
            one_backup(tmp_path / "db"), f"sqlite:///{tmp_path / 'y.sqlite3'}", app.config["KEYSTORE_URL"], keys_backup
        )


def test_key_store_backups_are_kept_apart_and_rotated(app, passphrase, runner, tmp_path):
    file(app.test_client(), "Rotate", "alert_only")
    store = app.extensions["ugly_mugs.keystore"]
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    shelf = tmp_path / "keystore-backups"
    for day in range(10):
        backup.create_keystore(store.url, store.store_id(), shelf, keep_days=30, now=start + timedelta(days=day))
    (shelf / "database-20261201T030000Z").mkdir()  # a database backup put there by mistake is left alone
    assert len(list(shelf.glob("keystore-*"))) == 10
    made, deleted = backup.create_keystore(
        store.url, store.store_id(), shelf, keep_days=7, now=start + timedelta(days=10)
    )
    assert [p.name for p in deleted] == [f"keystore-202612{d:02d}T030000Z" for d in (1, 2, 3)]
    kept = sorted(p.name for p in shelf.glob("keystore-*"))
    assert kept[0] == "keystore-20261204T030000Z" and kept[-1] == made.path.name and len(kept) == 8
    assert (shelf / "database-20261201T030000Z").exists()
    assert backup.verify(made.path).ok
    result = runner.invoke(args=["backup", "keystore", str(shelf), "--keep-days", "7"])
    assert result.exit_code == 0 and "older key store backups deleted" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["backup"],
        ["backup", "create"],
        ["backup", "keystore"],
        ["backup", "verify"],
        ["backup", "restore"],
        ["retention"],
        ["retention", "run"],
        ["ops", "ready"],
        ["keys", "migrate-erasure"],
    ],
)
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_a_fresh_instance_from_a_backup_works_end_to_end_through_the_command(app, passphrase, database_url, tmp_path):
    client = app.test_client()
    kept = file(client, "Whole", "full")
    assert app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")]).exit_code == 0
    with scratch_database(database_url, tmp_path) as target:
        fresh = make_app(target, KEYSTORE_URL=app.config["KEYSTORE_URL"])
        try:
            result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(one_backup(tmp_path / "b"))])
            assert result.exit_code == 0, result.output
            status = fresh.test_client().post("/api/v1/receipt/status", json={"receipt_code": kept.code})
            assert status.status_code == 200 and status.get_json()["reference"] == kept.reference
            assert fresh.test_client().get("/readyz").status_code == 200
        finally:
            fresh.extensions["ugly_mugs.engine"].dispose()
