"""``flask --app wsgi matching …``: rotating the matching key, re-indexing under the same key, and
issuing projects' check-API tokens."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

import config as settings
from ugly_mugs.cli import read_passphrase
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.crypto.passwords import PasswordTooLong
from ugly_mugs.matching import check, rotate
from ugly_mugs.models import Project

group = AppGroup("matching", help="Blind indexes of identifiers and the check-a-number API.")


def _sessions():
    return current_app.extensions["ugly_mugs.sessionmaker"]


@group.command(
    "rotate",
    help="Recompute every blind index under a new matching key (hex in --new-key-file), then delete "
    "every index row of the old key. Reads the recovery passphrase from standard input. Hosts keep "
    "running if they were first given the new file as UGLY_MUGS_MATCHING_KEY_NEXT_FILE (and reloaded); "
    "afterwards make it their UGLY_MUGS_MATCHING_KEY_FILE, unset the next key, and reload them again.",
)
@click.option(
    "--new-key-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the new matching key: at least 32 random bytes, in hexadecimal.",
)
@click.option("--batch", default=500, show_default=True, help="Reports per transaction.")
def rotate_command(new_key_file: Path, batch: int) -> None:
    try:
        new_key = settings.parse_matching_key(new_key_file.read_text(encoding="utf-8"))
    except settings.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if new_key == current_app.config.get("MATCHING_KEY"):
        raise click.ClickException("the new key is the key in use; make a new one")
    passphrase = read_passphrase()
    try:
        done = rotate.rotate(
            _sessions(), passphrase, new_key, current_app.config["PHONE_REGION"], batch=batch, progress=_show_progress
        )
    except (DecryptionError, PasswordTooLong):
        raise click.ClickException("that passphrase does not open the scheme key") from None
    click.echo(f"matching key version {done.version}: {done.reports} reports indexed, {done.rows_written} index rows")
    click.echo(f"old index rows deleted: {done.old_rows_deleted}")
    if done.unreadable_sections:
        click.echo(f"sections the scheme key could not open: {done.unreadable_sections}")
    click.echo(
        "Now set UGLY_MUGS_MATCHING_KEY_FILE to the new key file, unset UGLY_MUGS_MATCHING_KEY_NEXT_FILE, "
        "and reload every host."
    )


@group.command(
    "reindex",
    help="Recompute every blind index under the matching key in use, from the reports' perpetrator "
    "sections (after the way identifiers are read has changed, e.g. several numbers in one field). "
    "Reads the recovery passphrase from standard input; can be run again if it stops.",
)
@click.option("--batch", default=500, show_default=True, help="Reports per transaction.")
def reindex_command(batch: int) -> None:
    key = current_app.config.get("MATCHING_KEY")
    if not key:
        raise click.ClickException("no matching key is configured (UGLY_MUGS_MATCHING_KEY_FILE)")
    passphrase = read_passphrase()
    try:
        # Rotating to the key in use resumes "its" rotation: every row of its version is made again.
        done = rotate.rotate(
            _sessions(), passphrase, key, current_app.config["PHONE_REGION"], batch=batch, progress=_show_progress
        )
    except (DecryptionError, PasswordTooLong):
        raise click.ClickException("that passphrase does not open the scheme key") from None
    click.echo(f"matching key version {done.version}: {done.reports} reports indexed, {done.rows_written} index rows")
    if done.unreadable_sections:
        click.echo(f"sections the scheme key could not open: {done.unreadable_sections}")


def _show_progress(progress: rotate.Progress) -> None:
    """One line per batch on standard error (counts only), so a long rotation is seen to move."""
    if progress.total:
        click.echo(
            f"{progress.stage}: {progress.done} of {progress.total} reports ({progress.done * 100 // progress.total}%)",
            err=True,
        )
    else:
        click.echo(f"{progress.stage}: {progress.done}", err=True)


@group.command(
    "issue-token",
    help="Issue a new bearer token for PROJECT (its name or number) to use POST /api/v1/check. "
    "The token is printed once; only its SHA-256 is stored, and any earlier token stops working.",
)
@click.argument("project")
def issue_token_command(project: str) -> None:
    with _sessions()() as session:
        found = session.scalar(select(Project).where(Project.name == project))
        if found is None and project.isdigit():
            found = session.get(Project, int(project))
        if found is None or not found.active:
            raise click.ClickException(f"no active project called {project!r}")
        token = check.issue_token(session, found)
        session.commit()
    click.echo(f"Check-API token for {found.name} (shown only now):")
    click.echo(f"  {token}")
