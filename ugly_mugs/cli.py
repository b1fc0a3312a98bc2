"""Command line: ``flask --app wsgi <group> <command>``; every command has ``--help``."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ugly_mugs import consent, keystore, migrate
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.crypto.passwords import PasswordTooLong


def _session():
    return current_app.extensions["ugly_mugs.sessionmaker"]()


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(setup_group)
    app.cli.add_command(demo_group)


@click.group("db", cls=AppGroup, help="Create and migrate the database schema (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the database to the newest schema (or to --revision).")
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="Alembic revision to migrate to.",
)
def db_upgrade(revision: str) -> None:
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database migrated to {revision}")


@db_group.command(
    "downgrade",
    help="Migrate the database down to REVISION ('base' removes every table).",
)
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database migrated down to {revision}")


@click.group("setup", cls=AppGroup, help="Create the installation's keys, areas and police units.")
def setup_group() -> None:
    pass


@setup_group.command(
    "init",
    help="Create the recovery key, the scheme key and one key per configured police unit, and the "
    "configured areas. Prints the recovery passphrase once: write it down and keep it offline.",
)
def setup_init() -> None:
    cfg = current_app.config
    with _session() as session:
        try:
            passphrase = keystore.set_up(session, cfg["AREAS"], cfg["POLICE_UNITS"])
        except keystore.SetupError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo("Installation set up: scheme key, police unit keys and areas created.")
    click.echo("RECOVERY PASSPHRASE (shown only now; it opens every group key):")
    click.echo(f"  {passphrase}")


@setup_group.command(
    "sync-places",
    help="Add areas and police units from the configuration that do not exist yet.",
)
def setup_sync() -> None:
    cfg = current_app.config
    with _session() as session:
        try:
            added = keystore.sync_places(session, cfg["AREAS"], cfg["POLICE_UNITS"])
        except keystore.SetupError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo("added: " + ", ".join(added) if added else "nothing to add")


@setup_group.command(
    "verify-recovery",
    help="Check that a recovery passphrase (read from standard input) opens every group key.",
)
def setup_verify() -> None:
    passphrase = sys.stdin.readline().strip()
    with _session() as session:
        try:
            opened = keystore.open_group_keys(session, passphrase)
        except (DecryptionError, PasswordTooLong):
            raise click.ClickException("that passphrase does not open the keys") from None
    click.echo(f"the passphrase opens {len(opened)} group keys")


@click.group("demo", cls=AppGroup, help="Demonstration data for a development machine (refused in production).")
def demo_group() -> None:
    pass


@demo_group.command("seed", help="Set up the installation and file a few example reports.")
@click.option(
    "--if-new",
    is_flag=True,
    help="Do nothing (and succeed) if the installation is already set up.",
)
def demo_seed(if_new: bool) -> None:
    from ugly_mugs.reporting.service import NewReport, file_report

    cfg = current_app.config
    if not cfg["DEMO_ALLOWED"]:
        raise click.ClickException("demo data is not allowed in this mode")
    with _session() as session:
        if keystore.is_set_up(session):
            if if_new:
                click.echo("installation already set up; no demo data added")
                return
            raise click.ClickException("the installation is already set up")
        passphrase = keystore.set_up(session, cfg["AREAS"], cfg["POLICE_UNITS"])
        categories = {c.code for c in cfg["CATEGORIES"]}
        areas = [a.code for a in cfg["AREAS"]]
        examples = [
            (
                "physical-assault",
                consent.FULL_REPORT,
                "Punched me in the car and drove off.",
            ),
            ("refused-to-pay", consent.ALERT_ONLY, "Refused to pay and threatened me."),
            (
                "threats",
                consent.ANONYMOUS_INTELLIGENCE,
                "Followed me for three nights.",
            ),
        ]
        receipts = []
        for i, (category, level, what) in enumerate(examples):
            filed = file_report(
                session,
                NewReport(
                    incident_date=date.today() - timedelta(days=2 + i),
                    area_code=areas[i % len(areas)],
                    categories=[category] if category in categories else [],
                    consent_level=level,
                    reporter_type="self",
                    identity={"name": "Demo reporter", "contact": "demo only"},
                    incident={"part_of_day": "night", "what_happened": what},
                    perpetrator={
                        "sex": "man",
                        "vehicle": {"colour": "silver", "registration": "DEMO 123"},
                    },
                ),
                categories,
            )
            receipts.append(filed)
        session.commit()
    click.echo("Demo installation ready (development only).")
    click.echo(f"Demo recovery passphrase: {passphrase}")
    for filed in receipts:
        click.echo(f"Demo report {filed.reference}, receipt code {filed.receipt_code}")
