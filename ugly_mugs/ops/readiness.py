"""Readiness: whether this instance can do its work now, as a list of named checks. No Flask.

``/healthz`` only says the process answers and reaches its database (liveness, cheap). ``/readyz``
(``web/health.py``) and ``flask --app wsgi ops ready`` run every check in ``CHECKS`` and fail if
any does: a load balancer then sends no reporter to an instance that would refuse her report.
Each check takes a ``Context`` and returns None when all is well, else a short reason that names
no content and no secret. A check that raises fails with the kind of error. Add a check by
appending ``(name, function)`` to ``CHECKS``.

- ``migrations``: the database is at the newest schema this code knows (else every page that
  reads a new column fails);
- ``database``: a small write commits (fails when the database is read-only or full);
- ``disk``: the disk of a SQLite database or key store has at least ``READINESS_MIN_FREE_MB``;
- ``matching_key``: the configured matching key is one the stored blind indexes were made with
  (a wrong key would file reports whose indexes match nothing);
- ``audit_key``: the configured audit key made the newest audit entry;
- ``key_store``: the erasure key store answers, takes a write, and holds the keys of the newest
  reports (a wrong ``UGLY_MUGS_KEYSTORE_URL``, or one restored from an older backup, does not);
- ``erasure_keys``: no report waits for its erasure key (``keys migrate-erasure``).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ugly_mugs import audit, migrate
from ugly_mugs.crypto import blind_index
from ugly_mugs.keys.erasure import ErasureKeyStore
from ugly_mugs.models import MatchingKeyVersion, PendingErasureKey, Report, ScheduledJob
from ugly_mugs.models.base import utcnow
from ugly_mugs.reports import statuses

PROBE_JOB = "readiness_probe"
# How many of the newest reports the key store check asks the key store about.
KEY_SAMPLE = 50


@dataclass(frozen=True)
class Context:
    """What the checks look at: the database (a session), the settings, the erasure key store."""

    session: Session
    config: Mapping[str, object]
    store: ErasureKeyStore | None


Check = Callable[[Context], str | None]


@functools.cache
def _head(url: str) -> str:
    return ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()


def migrations(ctx: Context) -> str | None:
    url = str(ctx.config["DATABASE_URL"])
    current = ctx.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = _head(url)
    if current != head:
        return f"the database is at revision {current}, this code needs {head}: run `db upgrade`"
    return None


def database(ctx: Context) -> str | None:
    """One row updated (or made) and committed: a read-only or full database refuses it."""
    session = ctx.session
    done = session.execute(
        update(ScheduledJob).where(ScheduledJob.name == PROBE_JOB).values(last_run_at=utcnow())
    ).rowcount
    if not done:
        session.add(ScheduledJob(name=PROBE_JOB, last_run_at=utcnow()))
    session.commit()
    return None


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database.removeprefix("file:"))


def disk(ctx: Context) -> str | None:
    minimum = int(ctx.config.get("READINESS_MIN_FREE_MB", 64))
    for what, url in (("database", ctx.config["DATABASE_URL"]), ("key store", ctx.config.get("KEYSTORE_URL"))):
        path = _sqlite_file(str(url)) if url else None
        if path is None:
            continue
        free = shutil.disk_usage(path.parent).free // (1 << 20)
        if free < minimum:
            return f"the {what}'s disk has {free} MB free, less than {minimum} MB"
    return None


def matching_key(ctx: Context) -> str | None:
    key = ctx.config.get("MATCHING_KEY")
    if not key:
        return "no matching key is configured (UGLY_MUGS_MATCHING_KEY_FILE)"
    known = set(ctx.session.scalars(select(MatchingKeyVersion.fingerprint)))
    # During a rotation the next key (UGLY_MUGS_MATCHING_KEY_NEXT_FILE) may be the only one left.
    mine = {blind_index.fingerprint(k) for k in (key, ctx.config.get("MATCHING_KEY_NEXT")) if k}
    if known and not (mine & known):
        return "the matching key is not one the stored indexes were made with (UGLY_MUGS_MATCHING_KEY_FILE)"
    return None


def audit_key(ctx: Context) -> str | None:
    try:
        matches = audit.key_matches(ctx.session)
    except audit.AuditKeyUnavailable:
        return "no audit key is configured (UGLY_MUGS_AUDIT_KEY_FILE)"
    if matches is False:
        return "the audit key did not make the newest audit entry (UGLY_MUGS_AUDIT_KEY_FILE)"
    return None


def key_store(ctx: Context) -> str | None:
    if ctx.store is None:
        return "no erasure key store is configured (UGLY_MUGS_KEYSTORE_URL)"
    ctx.store.probe_write()
    newest = list(
        ctx.session.scalars(
            select(Report.id)
            .where(Report.status != statuses.ERASED, ~Report.id.in_(select(PendingErasureKey.report_id)))
            .order_by(Report.received_at.desc(), Report.id.desc())
            .limit(KEY_SAMPLE)
        )
    )
    keys, erased = ctx.store.lookup(newest)
    missing = [rid for rid in newest if rid not in keys and rid not in erased]
    if missing:
        return (
            f"{len(missing)} of the newest {len(newest)} reports have no erasure key in this key store: "
            "is UGLY_MUGS_KEYSTORE_URL this database's key store, and no older than it?"
        )
    return None


def erasure_keys(ctx: Context) -> str | None:
    waiting = ctx.session.scalar(select(PendingErasureKey.report_id).limit(1))
    if waiting is not None:
        return "reports stored before erasure keys wait for theirs: run `keys migrate-erasure`"
    return None


# The order matters only in that the schema is checked first: the others read its tables.
CHECKS: list[tuple[str, Check]] = [
    ("migrations", migrations),
    ("database", database),
    ("disk", disk),
    ("matching_key", matching_key),
    ("audit_key", audit_key),
    ("key_store", key_store),
    ("erasure_keys", erasure_keys),
]


def _reason(exc: Exception) -> str:
    """What went wrong, without data: the driver's first line for a database error (such as
    "attempt to write a readonly database", "could not extend file": no parameters, which the
    engines hide), else the kind of error."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return f"failed: {type(exc.orig).__name__}: {first[:200]}"
    return f"failed: {type(exc).__name__}"


def run(ctx: Context, checks: list[tuple[str, Check]] | None = None) -> dict[str, str | None]:
    """Every check's result by name (None: passed). Stops after ``migrations`` fails, since the
    others would only fail on the missing schema."""
    results: dict[str, str | None] = {}
    for name, check in checks if checks is not None else CHECKS:
        try:
            results[name] = check(ctx)
        except Exception as exc:  # noqa: BLE001 - any failure of a check means "not ready"
            results[name] = _reason(exc)
        finally:
            ctx.session.rollback()
        if name == "migrations" and results[name]:
            break
    return results
