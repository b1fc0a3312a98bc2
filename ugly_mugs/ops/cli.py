"""Operating commands: ``backup`` (create, keystore, verify, restore), ``retention run`` and
``ops ready``. Each is a few lines over ``ops.backup``, ``ops.retention`` and ``ops.readiness``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ugly_mugs import migrate
from ugly_mugs.keys.keystore import KeyUnavailable
from ugly_mugs.ops import backup, readiness, retention
from ugly_mugs.reports import erasure
from ugly_mugs.subscriptions import inbound
from ugly_mugs.subscriptions import service as subscriptions


def _session():
    return current_app.extensions["ugly_mugs.sessionmaker"]()


def _store():
    store = current_app.extensions["ugly_mugs.keystore"]
    if store is None:
        raise click.ClickException("no erasure key store is configured (UGLY_MUGS_KEYSTORE_URL)")
    return store


@click.group("backup", cls=AppGroup, help="Back up the database and, apart from it, the key store; check; restore.")
def backup_group() -> None:
    pass


@backup_group.command(
    "create",
    help="Back the database up into a new directory in DIR (SQLite: through its online backup API, "
    "write-ahead log included; PostgreSQL: pg_dump). The key store and the key files are NOT in it: "
    "back the key store up with `backup keystore` to another place.",
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    store = current_app.extensions["ugly_mugs.keystore"]
    try:
        made = backup.create(current_app.config["DATABASE_URL"], directory, store.store_id() if store else None)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database backed up to {made.path} ({made.manifest['reports']} reports)")


@backup_group.command(
    "keystore",
    help="Back the erasure key store up into a new directory in DIR, then delete key store backups in DIR "
    "older than --keep-days (a key store backup still opens reports erased after it was taken). "
    "DIR must not be where database backups go.",
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keep-days",
    default=backup.KEYSTORE_KEEP_DAYS,
    show_default=True,
    type=click.IntRange(1, 90),
    help="Delete key store backups in DIR older than this.",
)
def backup_keystore(directory: Path, keep_days: int) -> None:
    store = _store()
    try:
        made, deleted = backup.create_keystore(store.url, store.store_id(), directory, keep_days)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"key store backed up to {made.path}; {len(deleted)} older key store backups deleted")


@backup_group.command(
    "verify",
    help="Check a backup directory: its manifest, each file's SHA-256, and that the copy opens. Exits 1 on a problem.",
)
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def backup_verify(path: Path) -> None:
    try:
        found = backup.verify(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = found.manifest
    if not found.ok:
        for problem in found.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        sys.exit(1)
    details = (
        f", {manifest['reports']} reports, schema {manifest['revision']}" if manifest["kind"] == "database" else ""
    )
    click.echo(f"{manifest['kind']} backup of {manifest['created_at']} is whole ({manifest['format']}{details})")


@backup_group.command(
    "restore",
    help="Restore a database backup into this instance's empty database (UGLY_MUGS_DATABASE_URL), after "
    "restoring the key store from --keystore if it was lost too (into an empty UGLY_MUGS_KEYSTORE_URL). "
    "Then migrates to the newest schema and erases again every report erased since the backup.",
)
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--keystore",
    "keystore_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A key store backup, restored first; only when the key store was lost too.",
)
def backup_restore(path: Path, keystore_path: Path | None) -> None:
    store = _store()
    current_app.extensions["ugly_mugs.engine"].dispose()
    store.dispose()
    try:
        restored = backup.restore(
            path, current_app.config["DATABASE_URL"], store.url, keystore_path, upgrade=migrate.upgrade
        )
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    with _session() as session:
        migrated = erasure.migrate_pending(session)
        reconciled = erasure.reconcile(session)
        erasure.scheduled_purge(session)
    click.echo(
        f"restored {restored.reports} reports at schema {restored.revision}"
        + (" and the key store" if restored.keystore_restored else "")
    )
    click.echo(
        f"{reconciled.erased} reports erased since the backup were erased again; "
        f"{reconciled.keys_destroyed} keys of reports erased before were destroyed; "
        f"{migrated.keyed} reports given erasure keys"
    )
    if reconciled.unopenable:
        click.echo(
            f"WARNING: {reconciled.unopenable} reports have no erasure key in this key store and cannot be "
            "opened: restore a key store backup newer than them (see docs/operating.md).",
            err=True,
        )


@click.group("retention", cls=AppGroup, help="Erase and expire what is kept past its time (UGLY_MUGS_RETENTION_*).")
def retention_group() -> None:
    pass


@retention_group.command(
    "run",
    help="Erase reports past their retention period, delete old alert drafts and case notes, expire throttle "
    "rows, ended sessions and old delivered outbox rows; reconcile with the key store and purge the files. "
    "--dry-run lists what would go and changes nothing. The alert workers run this on their own once a "
    "day (UGLY_MUGS_RETENTION_INTERVAL_HOURS), one at a time.",
)
@click.option("--dry-run", is_flag=True, help="List what would be erased or deleted; change nothing.")
def retention_run(dry_run: bool) -> None:
    policy = retention.Policy.from_config(current_app.config)
    with _session() as session:
        try:
            outcome = retention.run(session, policy, dry_run=dry_run)
        except KeyUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    verb = "would erase" if dry_run else "erased"
    click.echo(f"{verb}: " + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in outcome.counts().items()))
    if dry_run:
        for reference in outcome.references:
            click.echo(f"  report {reference}")


@click.group("subscriptions", cls=AppGroup, help="Individual subscribers to alerts by text message or email.")
def subscriptions_group() -> None:
    pass


@subscriptions_group.command(
    "sweep",
    help="Erase subscriptions without activity for UGLY_MUGS_SUBSCRIPTION_INACTIVE_DAYS and sign-ups whose "
    "code lapsed (rows deleted, not flagged). The alert workers run this with retention.",
)
def subscriptions_sweep() -> None:
    with _session() as session:
        erased = subscriptions.sweep(session, int(current_app.config["SUBSCRIPTION_INACTIVE_DAYS"]))
        session.commit()
    click.echo(f"erased: subscriptions {erased}")


@subscriptions_group.command("counts", help="Subscribers per area and channel (never a number or an address).")
def subscriptions_counts() -> None:
    with _session() as session:
        for row in subscriptions.counts(session):
            click.echo(f"{row.area}\t{row.kind}\tactive {row.active}\tpending {row.pending}")


@subscriptions_group.command(
    "gateway-token",
    help="Print the token of the SMS gateway's callback URLs (/sms/inbound?key=… and /sms/dlr?key=…) for "
    "Kannel's sms-service get-url; it follows UGLY_MUGS_SMS_INBOUND_KEY (or the secret key).",
)
def subscriptions_gateway_token() -> None:
    click.echo(inbound.endpoint_token(current_app.config))


@click.group("ops", cls=AppGroup, help="The state of this instance.")
def ops_group() -> None:
    pass


@ops_group.command("ready", help="Run the readiness checks (as /readyz does); exits 1 if any fails.")
def ops_ready() -> None:
    with _session() as session:
        results = readiness.run(
            readiness.Context(session, current_app.config, current_app.extensions["ugly_mugs.keystore"])
        )
    click.echo(json.dumps({name: problem or "ok" for name, problem in results.items()}, indent=2))
    if any(results.values()):
        sys.exit(1)


COMMANDS = (backup_group, retention_group, ops_group, subscriptions_group)
