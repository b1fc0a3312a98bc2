"""Backups of the database and, kept apart, of the erasure key store; checking and restoring them.

No Flask imports: the command line (``flask --app wsgi backup …``, ``ugly_mugs.ops.cli``) and
tests call these with plain URLs and paths.

A backup is a directory with the copy and ``manifest.json`` (what it is, when, the schema
revision, how many reports, each file's SHA-256):

- the database: SQLite through its online backup API (a consistent copy of the database as
  readers see it, write-ahead log included: copying the file alone loses what is still in the
  ``-wal`` file), PostgreSQL through ``pg_dump --format=custom``;
- the key store, never in the same directory as the database (``create_keystore``): a thief of
  one must not hold the other, and the key store's backups are kept only a short time (old
  ones are deleted by ``rotate``), because a key store backup holds the erasure keys of reports
  erased after it was taken; once the last such backup is gone, nothing can open them.

``restore`` fills an empty instance: the key store first (when it was lost too), then the
database, then the two are reconciled (``reports.erasure.reconcile``): every report erased
after the database backup was taken is erased again, its receipt code answers "deleted".
The configuration (the key files) is restored by the operator, from where it is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

MANIFEST = "manifest.json"
DATABASE = "database"
KEYSTORE = "keystore"
SQLITE_FILE = "{kind}.sqlite3"
PGDUMP_FILE = "{kind}.pgdump"
STAMP = "%Y%m%dT%H%M%SZ"
# How long `backup keystore` keeps key store backups by default (docs/operating.md).
KEYSTORE_KEEP_DAYS = 7
PG_TIMEOUT_SECONDS = 3600
# libpq settings that may come in a SQLAlchemy URL's query, passed to pg_dump as environment.
_LIBPQ_QUERY = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}


class BackupError(RuntimeError):
    """The backup or restore cannot go ahead; the message says why (never a secret)."""


@dataclass(frozen=True)
class Made:
    path: Path
    manifest: dict


@dataclass
class Verified:
    """What ``verify`` found: the manifest, and problems (none means the backup is usable)."""

    path: Path
    manifest: dict
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; BackupError for an in-memory database."""
    parsed = make_url(url)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(parsed.database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq(url: str) -> dict[str, str]:
    """The environment that points pg_dump and pg_restore at a SQLAlchemy PostgreSQL URL: the
    password goes there, never on the command line (a process listing shows that)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", str(parsed.port) if parsed.port else None),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
    ):
        if value:
            env[name] = value
    for key, name in _LIBPQ_QUERY.items():
        if key in parsed.query:
            env[name] = str(parsed.query[key])
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    binary = shutil.which(command[0])
    if binary is None:
        raise BackupError(f"{command[0]} is not installed (it comes with PostgreSQL's client programs)")
    result = subprocess.run(  # noqa: S603 - fixed program, arguments built here, no shell
        [binary, *command[1:]], env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        # pg_dump's messages name tables and the server, never the password (it is not in argv).
        raise BackupError(f"{what} failed: {result.stderr.strip()[-500:]}")
    return result


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API (what readers see, WAL included)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)


def _revision_and_reports(url: str) -> tuple[str | None, int | None]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            reports = conn.scalar(text("SELECT count(*) FROM report")) if "report" in tables else None
            return revision, reports
    finally:
        engine.dispose()


def _new_dir(parent: Path, kind: str, now: datetime) -> Path:
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = parent / f"{kind}-{now.strftime(STAMP)}"
    if path.exists():
        raise BackupError(f"{path} exists already; wait a second and try again")
    path.mkdir(mode=0o700)
    return path


def _dump(url: str, kind: str, target_dir: Path) -> Path:
    if _is_sqlite(url):
        source = sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no database file at {source}")
        target = target_dir / SQLITE_FILE.format(kind=kind)
        _copy_sqlite(source, target)
        return target
    target = target_dir / PGDUMP_FILE.format(kind=kind)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], _libpq(url), "pg_dump")
    return target


def _write_manifest(path: Path, manifest: dict) -> None:
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def create(database_url: str, parent: Path, keystore_id: str | None = None, now: datetime | None = None) -> Made:
    """Back the database up into a new directory under ``parent``; returns it and its manifest.

    ``keystore_id``: the id of the key store the database works with (recorded so that a restore
    can say when it is given another). Raises BackupError when the copy fails."""
    now = now or datetime.now(UTC)
    target = _new_dir(parent, DATABASE, now)
    try:
        copy = _dump(database_url, DATABASE, target)
        revision, reports = _revision_and_reports(database_url)
        manifest = {
            "kind": DATABASE,
            "format": "sqlite" if _is_sqlite(database_url) else "pgdump",
            "created_at": now.strftime(STAMP),
            "revision": revision,
            "reports": reports,
            "keystore_id": keystore_id,
            "files": {copy.name: _sha256(copy)},
        }
        _write_manifest(target, manifest)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Made(target, manifest)


def create_keystore(
    keystore_url: str, store_id: str, parent: Path, keep_days: int = KEYSTORE_KEEP_DAYS, now: datetime | None = None
) -> tuple[Made, list[Path]]:
    """Back the key store up into a new directory under ``parent`` (never the database's backup
    directory), then delete key store backups there older than ``keep_days`` (``rotate``).
    Returns the new backup and the directories deleted."""
    now = now or datetime.now(UTC)
    target = _new_dir(parent, KEYSTORE, now)
    try:
        copy = _dump(keystore_url, KEYSTORE, target)
        manifest = {
            "kind": KEYSTORE,
            "format": "sqlite" if _is_sqlite(keystore_url) else "pgdump",
            "created_at": now.strftime(STAMP),
            "keystore_id": store_id,
            "files": {copy.name: _sha256(copy)},
        }
        _write_manifest(target, manifest)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return Made(target, manifest), rotate(parent, keep_days, now)


def rotate(parent: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the key store backups in ``parent`` taken more than ``keep_days`` days before
    ``now``, overwriting their files first; returns what was deleted. Database backups are left."""
    now = now or datetime.now(UTC)
    deleted = []
    for path in sorted(parent.glob(f"{KEYSTORE}-*")):
        try:
            taken = datetime.strptime(path.name.removeprefix(f"{KEYSTORE}-"), STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        if now - taken > timedelta(days=keep_days):
            for item in path.iterdir():
                _overwrite(item)
            shutil.rmtree(path)
            deleted.append(path)
    return deleted


def _overwrite(path: Path) -> None:
    """Overwrite a file with zeros before it is deleted (what a filesystem lets us do)."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        remaining = size
        while remaining:
            chunk = min(remaining, 1 << 20)
            handle.write(b"\0" * chunk)
            remaining -= chunk
        handle.flush()
        os.fsync(handle.fileno())


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is not a backup: it has no {MANIFEST}") from None
    except json.JSONDecodeError:
        raise BackupError(f"{path / MANIFEST} cannot be read") from None
    if manifest.get("kind") not in (DATABASE, KEYSTORE) or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{path / MANIFEST} does not describe a backup")
    return manifest


def _check_sqlite_copy(copy: Path, kind: str, problems: list[str]) -> None:
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            problems.append(f"{copy.name}: SQLite integrity check failed: {result}")
            return
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        wanted = {"alembic_version", "report", "report_section"} if kind == DATABASE else {"erasure_key", "tombstone"}
        if not wanted <= tables:
            problems.append(f"{copy.name}: tables missing: {', '.join(sorted(wanted - tables))}")
    except sqlite3.DatabaseError as exc:
        problems.append(f"{copy.name}: not a readable SQLite database ({exc})")
    finally:
        conn.close()


def _check_pgdump(copy: Path, kind: str, problems: list[str]) -> None:
    try:
        listing = _run(["pg_restore", "--list", str(copy)], dict(os.environ), "pg_restore --list").stdout
    except BackupError as exc:
        problems.append(f"{copy.name}: {exc}")
        return
    wanted = ("report", "report_section", "alembic_version") if kind == DATABASE else ("erasure_key", "tombstone")
    missing = [name for name in wanted if f"TABLE DATA public {name} " not in listing]
    if missing:
        problems.append(f"{copy.name}: no data for {', '.join(missing)}")


def verify(path: Path) -> Verified:
    """Check a backup directory: its manifest, each file's SHA-256, and that the copy opens (SQLite:
    ``integrity_check`` and the tables; PostgreSQL: ``pg_restore --list``). Raises BackupError
    when ``path`` is not a backup at all."""
    manifest = read_manifest(path)
    found = Verified(path, manifest)
    for name, digest in manifest["files"].items():
        copy = path / name
        if not copy.is_file():
            found.problems.append(f"{name} is missing")
            continue
        if _sha256(copy) != digest:
            found.problems.append(f"{name} has changed since the backup was made (its SHA-256 differs)")
            continue
        if manifest.get("format") == "sqlite":
            _check_sqlite_copy(copy, manifest["kind"], found.problems)
        else:
            _check_pgdump(copy, manifest["kind"], found.problems)
    return found


def _copy_of(verified: Verified) -> Path:
    (name,) = verified.manifest["files"]
    return verified.path / name


# The key store's own tables: one made on first use but holding nothing counts as empty.
_KEYSTORE_TABLES = ("erasure_key", "tombstone", "keystore_about")


def is_empty(url: str, kind: str = DATABASE) -> bool:
    """Whether the database at ``url`` holds no tables (a SQLite file that does not exist yet is
    empty); a key store (``kind`` KEYSTORE) also when its tables hold no key and no tombstone."""
    if _is_sqlite(url) and not sqlite_path(url).exists():
        return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if kind == KEYSTORE and tables <= set(_KEYSTORE_TABLES):
                return not any(
                    conn.scalar(text(f"SELECT count(*) FROM {name}"))  # noqa: S608 - fixed table names
                    for name in ("erasure_key", "tombstone")
                    if name in tables
                )
            return not tables
    finally:
        engine.dispose()


def _clear_empty_keystore(url: str) -> None:
    """Remove an empty key store's tables (made on first use) so that the backup fills it."""
    if _is_sqlite(url):
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for name in _KEYSTORE_TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    finally:
        engine.dispose()


def _load(verified: Verified, url: str) -> None:
    """Write the copy in ``verified`` into the empty database (or key store) at ``url``."""
    kind = verified.manifest["kind"]
    if not verified.ok:
        raise BackupError("the backup does not verify: " + "; ".join(verified.problems))
    if not is_empty(url, kind):
        raise BackupError(f"the {kind} to restore into is not empty; restore only into an empty one")
    if kind == KEYSTORE:
        _clear_empty_keystore(url)
    copy = _copy_of(verified)
    if verified.manifest["format"] == "sqlite":
        if not _is_sqlite(url):
            raise BackupError("a SQLite backup restores only into a SQLite database")
        target = sqlite_path(url)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        _copy_sqlite(copy, target)
        return
    if _is_sqlite(url):
        raise BackupError("a pg_dump backup restores only into a PostgreSQL database")
    env = _libpq(url)
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*command, f"--dbname={env.get('PGDATABASE', '')}", str(copy)], env, "pg_restore")


@dataclass(frozen=True)
class Restored:
    revision: str | None
    reports: int | None
    keystore_restored: bool


def restore(
    database_backup: Path,
    database_url: str,
    keystore_url: str,
    keystore_backup: Path | None = None,
    upgrade: Callable[[str], None] | None = None,
) -> Restored:
    """Restore into an empty instance, in this order: the key store from ``keystore_backup``
    (only when the key store was lost too: it must be empty), then the database, then the
    schema is brought up to date by ``upgrade(url)``. Reconciling the two (erasures made since
    the database backup) is the caller's next step (``reports.erasure.reconcile``), with the
    app's sessions. Raises BackupError before writing anything when a backup does not verify or
    a target is not empty."""
    database = verify(database_backup)
    if database.manifest["kind"] != DATABASE:
        raise BackupError(f"{database_backup} is a {database.manifest['kind']} backup, not a database backup")
    keys = None
    if keystore_backup is not None:
        keys = verify(keystore_backup)
        if keys.manifest["kind"] != KEYSTORE:
            raise BackupError(f"{keystore_backup} is a {keys.manifest['kind']} backup, not a key store backup")
        if not keys.ok:
            raise BackupError("the key store backup does not verify: " + "; ".join(keys.problems))
        if not is_empty(keystore_url, KEYSTORE):
            raise BackupError("the key store to restore into is not empty; the one in use is kept")
    if not database.ok:
        raise BackupError("the backup does not verify: " + "; ".join(database.problems))
    if not is_empty(database_url):
        raise BackupError("the database to restore into is not empty; restore only into an empty one")
    if keys is not None:
        _load(keys, keystore_url)
    _load(database, database_url)
    if upgrade is not None:
        upgrade(database_url)
    revision, reports = _revision_and_reports(database_url)
    return Restored(revision, reports, keys is not None)
