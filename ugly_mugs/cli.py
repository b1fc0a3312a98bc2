"""Command line: ``flask --app wsgi <group> <command>``; every command has ``--help``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

import config as settings
from ugly_mugs import migrate
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.crypto.passwords import PasswordTooLong
from ugly_mugs.keys import keystore
from ugly_mugs.models.people import ROLES


def _session():
    return current_app.extensions["ugly_mugs.sessionmaker"]()


def read_passphrase(label: str = "Recovery passphrase") -> str:
    """A passphrase typed at a terminal (asked for, never echoed) or the first line of piped input."""
    if sys.stdin.isatty():
        return click.prompt(label, hide_input=True)
    return sys.stdin.readline().strip()


def init_app(app: Flask) -> None:
    from alerts.cli import alerts_group

    app.cli.add_command(alerts_group)
    app.cli.add_command(db_group)
    app.cli.add_command(setup_group)
    app.cli.add_command(demo_group)
    for group in (accounts_group, keys_group, projects_group, audit_group, reports_group, stats_group):
        app.cli.add_command(group)
    from ugly_mugs.matching.cli import group as matching_group
    from ugly_mugs.ops.cli import COMMANDS as ops_commands

    app.cli.add_command(matching_group)
    for group in ops_commands:
        app.cli.add_command(group)


@click.group("db", cls=AppGroup, help="Create and migrate the database schema (Alembic).")
def db_group() -> None:
    pass


@db_group.command(
    "upgrade",
    help="Migrate the database to the newest schema (or to --revision). At the newest schema it then gives "
    "reports stored before erasure keys their key in the key store (as `keys migrate-erasure` does).",
)
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="Alembic revision to migrate to.",
)
def db_upgrade(revision: str) -> None:
    migrate.upgrade(current_app.config["DATABASE_URL"], revision, delivery_key=current_app.config.get("DELIVERY_KEY"))
    click.echo(f"database migrated to {revision}")
    if revision == "head":
        _migrate_erasure_keys()


def _migrate_erasure_keys() -> None:
    from ugly_mugs.reports import erasure

    with _session() as session:
        try:
            migrated = erasure.migrate_pending(session)
        except keystore.KeyUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    if migrated.keyed or migrated.erased:
        click.echo(
            f"erasure keys: {migrated.keyed} reports given their key, "
            f"{migrated.erased} reports erased before now cleaned up and tombstoned"
        )


@db_group.command(
    "downgrade",
    help="Migrate the database down to REVISION ('base' removes every table).",
)
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(current_app.config["DATABASE_URL"], revision, delivery_key=current_app.config.get("DELIVERY_KEY"))
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
    help="Check that a recovery passphrase opens every group key. Asks for it without echoing it at a "
    "terminal; reads the first line of standard input when it is piped.",
)
def setup_verify() -> None:
    passphrase = read_passphrase()
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
    from ugly_mugs.demo import seed

    cfg = _demo_config()
    with _session() as session:
        if keystore.is_set_up(session):
            if if_new:
                click.echo("installation already set up; no demo data added")
                return
            raise click.ClickException("the installation is already set up")
        seeded = seed.seed(session, cfg["AREAS"], cfg["CATEGORIES"], cfg["POLICE_UNITS"])
        session.commit()
    click.echo("Demo installation ready (development only).")
    click.echo(f"Demo recovery passphrase: {seeded.passphrase}")
    for filed in seeded.reports:
        click.echo(f"Demo report {filed.reference}, receipt code {filed.receipt_code}")
    click.echo("Demo staff logins (password, then authenticator secret for the code):")
    for login in seeded.logins:
        click.echo(
            f"  {login.username:<12} {login.role:<15} password {login.password}  TOTP secret {login.totp_secret}"
        )


@demo_group.command(
    "serve",
    help="Serve the demo on http://127.0.0.1:PORT with gunicorn, run the alert worker (alerts dispatch "
    "--loop) and a local mail sink that saves every message it receives in MAIL-DIR as an .eml file. "
    "Ctrl-C stops all three. This is what 'make run' runs.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The web server's port.")
@click.option(
    "--mail-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=settings.PROJECT_ROOT / "instance" / "mail",
    show_default="instance/mail",
    help="Where the mail sink saves the messages it receives.",
)
def demo_serve(port: int, mail_dir: Path) -> None:
    from ugly_mugs.demo import serve

    _demo_config()
    sys.exit(serve.run(port, mail_dir.resolve(), settings.PROJECT_ROOT))


def _demo_config():
    cfg = current_app.config
    if not cfg["DEMO_ALLOWED"]:
        raise click.ClickException("demo data is not allowed in this mode")
    return cfg


def _read_secret(path: str | None) -> str | None:
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


@click.group("accounts", cls=AppGroup, help="Create and manage staff accounts.")
def accounts_group() -> None:
    pass


@accounts_group.command(
    "create",
    help="Create a staff account. Prints the initial password (unless --password-file is given) and the "
    "otpauth:// URI to load into the person's authenticator app; with --invitation, only a single-use "
    "invitation link path with which the person sets their own password and authenticator.",
)
@click.option("--username", required=True, help="Login name (letters, digits and . _ - @).")
@click.option("--name", "display_name", default="", help="The person's name as shown to colleagues.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="What the person may do.",
)
@click.option("--unit", "unit_code", default=None, help="Police unit code (police liaison accounts).")
@click.option("--project", "project_name", default=None, help="Project name (outreach workers, project members).")
@click.option(
    "--password-file",
    default=None,
    help="Bootstrapping (the first admin, on the server): make the account with the password in this file "
    "and print its authenticator. Without it the account is an invitation.",
)
@click.option("--invite/--no-invite", default=True, show_default=True, help="Invite to the role's key group.")
@click.option(
    "--invitation",
    is_flag=True,
    help="Make an invitation (the default without --password-file): prints a link path (append it to the "
    "site's address) that works once, for UGLY_MUGS_INVITATION_DAYS days; nobody but the person learns "
    "their password or authenticator.",
)
def accounts_create(username, display_name, role, unit_code, project_name, password_file, invite, invitation) -> None:
    from flask import current_app
    from sqlalchemy import select

    from ugly_mugs.auth import accounts, invitations
    from ugly_mugs.keys import groups
    from ugly_mugs.models import PoliceUnit, Project

    if invitation and password_file:
        raise click.UsageError("--invitation and --password-file exclude each other: the person sets the password")
    # No password is ever made up and printed: whoever runs the command would know it (P9).
    invitation = not password_file
    password = None if invitation else _read_secret(password_file)
    with _session() as session:
        unit_id = project_id = None
        if unit_code:
            unit_id = session.scalar(select(PoliceUnit.id).where(PoliceUnit.code == unit_code))
            if unit_id is None:
                raise click.ClickException(f"no police unit with code {unit_code!r}")
        if project_name:
            project_id = session.scalar(select(Project.id).where(Project.name == project_name))
            if project_id is None:
                raise click.ClickException(f"no project named {project_name!r}; create it with 'projects create'")
        try:
            if invitation:
                cfg = current_app.config
                account, token = invitations.invite_new(
                    session,
                    cfg["AUDIT_KEY"],
                    cfg["INVITATION_DAYS"],
                    username,
                    display_name,
                    role,
                    police_unit_id=unit_id,
                    project_id=project_id,
                )
            else:
                account, uri = accounts.create_account(
                    session, username, display_name, role, password, police_unit_id=unit_id, project_id=project_id
                )
            if invite and groups.group_for(session, account) is not None:
                groups.invite(session, account, None)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"account {account.username} created ({role})")
    if invitation:
        days = current_app.config["INVITATION_DAYS"]
        click.echo(f"invitation link (works once, for {days} days): /invitation?token={token}")
        return
    click.echo(f"authenticator: {uri}")


def _account(session, username: str):
    from ugly_mugs.auth import accounts

    account = accounts.find(session, username)
    if account is None:
        raise click.ClickException(f"no account {username!r}")
    return account


@accounts_group.command("deactivate", help="Deactivate an account: ends its sessions and removes its key copies.")
@click.argument("username")
def accounts_deactivate(username: str) -> None:
    from ugly_mugs.auth import accounts

    with _session() as session:
        accounts.deactivate(session, _account(session, username), None)
        session.commit()
    click.echo(f"{username} deactivated")


@accounts_group.command(
    "reset-2fa",
    help="Forget an account's authenticator; it enrols a new one at next login. Its group-key copies are "
    "withdrawn until a current key holder approves it again.",
)
@click.argument("username")
def accounts_reset_2fa(username: str) -> None:
    from ugly_mugs.auth import accounts

    with _session() as session:
        accounts.reset_two_factor(session, _account(session, username), None)
        session.commit()
    click.echo(
        f"two-factor reset for {username}; they enrol again at their next login, and a key holder "
        "must give them their group's key again"
    )


@accounts_group.command(
    "invite",
    help="Make a new invitation link for an existing account (the previous link stops working) and print its "
    "path. For an account with a password this resets it: its key pair, password and authenticator are "
    "destroyed, its group-key copies withdrawn until a key holder approves again, its sessions ended.",
)
@click.argument("username")
def accounts_invite(username: str) -> None:
    from flask import current_app

    from ugly_mugs.auth import accounts, invitations

    cfg = current_app.config
    with _session() as session:
        try:
            token = invitations.reissue(
                session, cfg["AUDIT_KEY"], cfg["INVITATION_DAYS"], _account(session, username), None
            )
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"invitation link (works once, for {cfg['INVITATION_DAYS']} days): /invitation?token={token}")


@accounts_group.command("unlock", help="Lift a login lockout after too many failed attempts.")
@click.argument("username")
def accounts_unlock(username: str) -> None:
    from ugly_mugs.auth import accounts

    with _session() as session:
        accounts.unlock_account(session, _account(session, username), None, current_app.config["SECRET_KEY"])
        session.commit()
    click.echo(f"{username} unlocked")


@click.group("keys", cls=AppGroup, help="Key groups: give the scheme or a unit key to an invited member; erasure keys.")
def keys_group() -> None:
    pass


@keys_group.command(
    "migrate-erasure",
    help="Give every report stored before erasure keys its erasure key in the key store "
    "(UGLY_MUGS_KEYSTORE_URL) and wrap its sealed keys; clean up what reports erased before left behind. "
    "Safe to run again; `db upgrade` runs it too.",
)
def keys_migrate_erasure() -> None:
    from ugly_mugs.reports import erasure

    _migrate_erasure_keys()
    with _session() as session:
        click.echo(f"{erasure.pending_count(session)} reports wait for an erasure key")


@keys_group.command(
    "grant",
    help="Seal the role's group key (scheme key for a coordinator, unit key for police liaison) to USERNAME, "
    "opening it with the recovery passphrase: asked for without echo at a terminal, else the first line of "
    "standard input.",
)
@click.argument("username")
def keys_grant(username: str) -> None:
    from ugly_mugs.keys import groups

    passphrase = read_passphrase()
    with _session() as session:
        account = _account(session, username)
        try:
            member = groups.invite(session, account, None)
            groups.claim_with_recovery(session, member, passphrase, None)
        except groups.GroupError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"{username} now holds the group key")


@keys_group.command(
    "change-passphrase",
    help="Change the recovery passphrase: every group key's and every account's recovery copy is sealed "
    "to the key of the new passphrase and the old recovery key is deleted, so the old passphrase opens "
    "nothing stored from then on. Asks for the current and the new passphrase without echo (piped: the "
    "current on the first line, the new on the second); --generate makes the new one and prints it once.",
)
@click.option("--generate", is_flag=True, help="Make a new passphrase (like setup) and print it once.")
def keys_change_passphrase(generate: bool) -> None:
    from ugly_mugs.keys import recovery

    old = read_passphrase("Current recovery passphrase")
    if generate:
        new = keystore.new_passphrase()
    elif sys.stdin.isatty():
        new = click.prompt("New recovery passphrase", hide_input=True, confirmation_prompt=True)
    else:
        new = sys.stdin.readline().strip()
    with _session() as session:
        try:
            done = recovery.change(session, old, new)
        except (DecryptionError, PasswordTooLong):
            raise click.ClickException("that passphrase does not open the keys; nothing was changed") from None
        except (recovery.PassphraseError, keystore.KeyUnavailable) as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        keystore.purge_tables(session.get_bind(), ("recovery_key", "sealed_group_key", "account"))
    click.echo(
        f"recovery passphrase changed: {done.group_keys} group keys and {done.accounts} accounts sealed to the new "
        "one; the old one opens nothing"
    )
    if generate:
        click.echo(f"New recovery passphrase (write it down, keep it offline; it is not shown again): {new}")


@keys_group.group(
    "rotate",
    help="Replace a group key with a new key pair: every seal under the old key is moved to the new one "
    "(content is not re-encrypted), every member who held the old key and the recovery key get the new one, "
    "then every copy of the old private key is destroyed. Do it after removing a member: someone who kept a "
    "copy would otherwise open every report filed later. Reads the recovery passphrase like 'keys grant'. "
    "The app may keep running; if the command stops, run it again to finish.",
)
def keys_rotate_group() -> None:
    pass


def _rotate(unit_code: str | None, batch: int, holder_name: str | None) -> None:
    from ugly_mugs.auth import accounts
    from ugly_mugs.keys import erasure, rotation

    holder = None
    passphrase = None
    if holder_name:
        password = read_passphrase(f"Password of {holder_name}")
        with _session() as session:
            account = accounts.find(session, holder_name)
            unlocked = accounts.open_with_password(account, password) if account and account.active else None
            if unlocked is None:
                raise click.ClickException("that account and password do not open a key")
            holder = (account.id, unlocked.personal)
    else:
        passphrase = read_passphrase()
    try:
        done = rotation.rotate(
            current_app.extensions["ugly_mugs.sessionmaker"], passphrase, unit_code, batch, _show_rotation, holder
        )
    except (DecryptionError, PasswordTooLong):
        raise click.ClickException("that passphrase does not open the key") from None
    except (rotation.RotationError, erasure.ErasureKeyMissing, keystore.KeyUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{'finished an interrupted rotation' if done.resumed else 'rotated'}: {done.section_seals} section seals "
        f"and {done.texts} staff texts moved to the new key; {done.members} member copies made; "
        f"{done.erased_seals_deleted} seals of erased reports deleted; {done.copies_destroyed} copies of the old "
        "private key destroyed"
    )


def _show_rotation(progress) -> None:
    """One line per batch on standard error (counts only), so a long rotation is seen to move."""
    click.echo(f"{progress.stage}: {progress.done} of {progress.total}", err=True)


_HOLDER_HELP = (
    "Unlock with this member's copy of the key instead of the recovery passphrase: asks for their "
    "password (without echo, or the first line of standard input)."
)


@keys_rotate_group.command("scheme", help="Rotate the scheme key (the coordinators' key).")
@click.option("--batch", default=500, show_default=True, help="Seals or texts per transaction.")
@click.option("--holder", "holder_name", metavar="USERNAME", help=_HOLDER_HELP)
def keys_rotate_scheme(batch: int, holder_name: str | None) -> None:
    _rotate(None, batch, holder_name)


@keys_rotate_group.command("unit", help="Rotate the key of the police unit CODE.")
@click.argument("code")
@click.option("--batch", default=500, show_default=True, help="Seals or texts per transaction.")
@click.option("--holder", "holder_name", metavar="USERNAME", help=_HOLDER_HELP)
def keys_rotate_unit(code: str, batch: int, holder_name: str | None) -> None:
    _rotate(code, batch, holder_name)


@click.group("projects", cls=AppGroup, help="Support projects.")
def projects_group() -> None:
    pass


@projects_group.command("create", help="Create a support project.")
@click.argument("name")
def projects_create(name: str) -> None:
    from sqlalchemy import select

    from ugly_mugs.models import Project

    with _session() as session:
        if session.scalar(select(Project.id).where(Project.name == name)) is not None:
            raise click.ClickException("a project with that name exists")
        session.add(Project(name=name))
        session.commit()
    click.echo(f"project {name!r} created")


@click.group("reports", cls=AppGroup, help="Stored reports.")
def reports_group() -> None:
    pass


@reports_group.command(
    "withhold",
    help="Once after upgrading: withhold what locates or contacts each reporter from the parts of her report "
    "that police may hold below 'full report' (where he took her; her own name, numbers and addresses typed "
    "into other fields), keeping them with her identity. Reads the recovery passphrase like 'keys grant'. "
    "Running it again changes nothing.",
)
@click.option("--batch", default=200, show_default=True, help="Reports per transaction.")
def reports_withhold(batch: int) -> None:
    from ugly_mugs.reports import reclassify

    passphrase = read_passphrase()
    try:
        done = reclassify.withhold_all(
            current_app.extensions["ugly_mugs.sessionmaker"], passphrase, current_app.config["PHONE_REGION"], batch
        )
    except (DecryptionError, PasswordTooLong):
        raise click.ClickException("that passphrase does not open the scheme key") from None
    click.echo(f"sections stored again: {done.versions}; fields withheld: {done.fields}; covering notes: {done.notes}")
    if done.unreadable:
        click.echo(f"sections the scheme key could not open: {done.unreadable}")


@click.group("stats", cls=AppGroup, help="The monitoring figures.")
def stats_group() -> None:
    pass


@stats_group.command(
    "rebuild",
    help="Make the monitoring figures' counts per day again from the stored reports, in the configured time "
    "zone: after restoring a backup, after changing UGLY_MUGS_TIMEZONE, or after rows were written outside "
    "the app. Running it again changes nothing; filing may go on meanwhile (it waits for the rebuild's "
    "transaction, then counts on top of it).",
)
def stats_rebuild() -> None:
    from ugly_mugs.stats import rollup

    with _session() as session:
        rows = rollup.rebuild_connection(session)
        session.commit()
    click.echo(f"counts per day rebuilt: {rows} rows")


@click.group("audit", cls=AppGroup, help="The tamper-evident audit log: verify it, checkpoint its head.")
def audit_group() -> None:
    pass


@audit_group.command(
    "verify",
    help="Check the audit log: the hash chain, each entry's authentication code (under the audit key) and, "
    "if a checkpoint file is configured, the checkpoints (deletion at the end, rewritten entries, missing or "
    "forged checkpoints). Names every problem found and exits 1 if there is any.",
)
@click.option(
    "--checkpoint",
    "given",
    multiple=True,
    metavar="LINE",
    help="A checkpoint line from the admins' email or the checkpoint feed, in single quotes; may be repeated. "
    "The log must still hold its entry with the recorded code and everything before, and the checkpoint file "
    "(if configured) the same line.",
)
def audit_verify(given: tuple[str, ...]) -> None:
    from ugly_mugs import audit

    with _session() as session:
        try:
            result = audit.verify(session, given=given)
        except audit.AuditKeyUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    if result.checkpoints is None:
        click.echo(
            "no checkpoint file is configured (UGLY_MUGS_AUDIT_CHECKPOINT_FILE): "
            "entries deleted from the end of the log cannot be detected"
            + (" after the newest checkpoint given" if result.given else ""),
            err=True,
        )
    if result.ok:
        keyed = result.checked - result.legacy
        click.echo(f"audit log intact: {result.checked} entries ({keyed} with an authentication code)")
        if result.legacy:
            click.echo(f"  {result.legacy} entries written before the audit key existed are hash-chained only")
        if result.last_checkpoint is not None:
            last = result.last_checkpoint
            click.echo(
                f"  {result.checkpoints} checkpoints; the newest ({last.seq}, {last.at:%Y-%m-%d %H:%M} UTC) "
                f"matches entry {last.entry}"
            )
        if result.given:
            click.echo(f"  the {result.given} checkpoint line(s) given match the log")
        return
    where = f" at entry {result.first_broken_id}" if result.first_broken_id is not None else ""
    click.echo(f"audit log BROKEN{where}: {result.problem}", err=True)
    for problem in result.problems[1:]:
        where = f"entry {problem.entry_id}: " if problem.entry_id is not None else ""
        click.echo(f"  also: {where}{problem.message}", err=True)
    sys.exit(1)


@audit_group.command(
    "checkpoint",
    help="Append the head of the audit log (last entry and its authentication code) to the checkpoint file "
    "(UGLY_MUGS_AUDIT_CHECKPOINT_FILE), where the database cannot rewrite it; then mail the line to "
    "UGLY_MUGS_AUDIT_CHECKPOINT_EMAIL and rewrite the feed UGLY_MUGS_AUDIT_CHECKPOINT_FEED, if set. Run it "
    "periodically (cron or a systemd timer, more often than UGLY_MUGS_AUDIT_CHECKPOINT_MAX_AGE_MINUTES). "
    "Exits 1 if any of these fails.",
)
def audit_checkpoint() -> None:
    from ugly_mugs import audit
    from ugly_mugs.ops import audit_export

    cfg = current_app.config
    with _session() as session:
        try:
            point = audit.write_checkpoint(session)
        except (audit.AuditKeyUnavailable, audit.CheckpointUnavailable) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"checkpoint {point.seq}: entry {point.entry} at {point.at:%Y-%m-%d %H:%M:%S} UTC")
        failures = []
        if cfg.get("AUDIT_CHECKPOINT_FEED"):
            try:
                # The whole file again (two runs at once: the later rename wins, and the next run
                # brings the feed up to date).
                audit_export.write_feed(Path(cfg["AUDIT_CHECKPOINT_FEED"]), audit.read_checkpoints(session))
            except OSError as exc:
                failures.append(f"the checkpoint file cannot be read for the feed: {exc.strerror}")
            except audit_export.ExportFailed as exc:
                failures.append(str(exc))
            else:
                click.echo(f"  feed {cfg['AUDIT_CHECKPOINT_FEED']} rewritten")
    if cfg.get("AUDIT_CHECKPOINT_EMAIL"):
        try:
            audit_export.mail_checkpoint(point, cfg)
        except audit_export.ExportFailed as exc:
            failures.append(f"mailing it to the admins failed: {exc}")
        else:
            click.echo(f"  mailed to {len(cfg['AUDIT_CHECKPOINT_EMAIL'])} admin address(es)")
    if failures:
        raise click.ClickException(f"checkpoint {point.seq} is in the checkpoint file, but " + "; ".join(failures))
