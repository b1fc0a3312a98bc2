"""The admin commands (``flask --app wsgi accounts|keys|projects ...``): every command of every
group answers ``--help``; ``accounts create`` makes an invitation and prints no secret, and with
a password file prints an otpauth:// URI that really logs in; deactivate ends the sessions and
refuses logins; reset-2fa sends the next login to enrolment; unlock lifts a lockout at once;
``keys grant`` seals the group key with the recovery passphrase read from standard input (a
wrong one seals nothing); ``projects create`` makes a project accounts can join. Typed at a real
terminal, the recovery passphrase asked by ``keys grant`` and ``setup verify-recovery`` is never
echoed (nor printed when piped)."""

from __future__ import annotations

import os
import pty
import re
import secrets
import select as io_select
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from tests.support import dbscan
from tests.support.app import keystore_url_for
from tests.support.staff import PASSWORD, StaffUser, code_for, create, csrf, login
from ugly_mugs.auth import accounts
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Account, GroupMembership, Project

FAILED = "The username, password or code is not right."
THROTTLED = "Too many tries for this account."


def invoke(app, runner, *args: str, stdin: str | None = None):
    # ``flask --app wsgi`` pushes an application context around every command; so does this.
    with app.app_context():
        return runner.invoke(args=list(args), input=stdin)


def attempt(client, username: str, password: str, code: str):
    token = csrf(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "code": code, "csrf_token": token})


def enrolled(app, username: str, role: str = "coordinator") -> tuple[StaffUser, object]:
    user = create(app, username, role, project="Basis" if role == "outreach" else None)
    client = app.test_client()
    assert login(client, user).status_code == 302
    return user, client


def test_every_command_of_every_group_has_help(app, runner):
    checked = []
    for name, command in app.cli.commands.items():
        paths = [[name]]
        if isinstance(command, click.Group):
            assert command.commands, f"group {name} has no commands"
            paths += [[name, sub] for sub in command.commands]
        for path in paths:
            result = runner.invoke(args=[*path, "--help"])
            assert result.exit_code == 0, (path, result.output)
            assert result.output.startswith("Usage: ")
            target = command if len(path) == 1 else command.commands[path[1]]
            assert (target.help or "").strip(), f"{' '.join(path)} has no help text"
            assert target.help.split()[0] in result.output
            checked.append(" ".join(path))
    for expected in ("accounts create", "accounts deactivate", "accounts reset-2fa", "accounts unlock"):
        assert expected in checked
    for expected in ("keys grant", "projects create", "audit verify"):
        assert expected in checked


def test_create_without_a_password_file_makes_an_invitation_and_prints_no_secret(app, runner, passphrase):
    """Nobody who runs the command learns a usable password or authenticator (P9)."""
    result = invoke(app, runner, "accounts", "create", "--username", "Yuri", "--role", "coordinator")
    assert result.exit_code == 0, result.output
    assert re.search(r"^invitation link \(works once, for \d+ days\): /invitation\?token=\S+$", result.output, re.M)
    assert "password" not in result.output and "otpauth" not in result.output and "authenticator" not in result.output
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = accounts.find(db, "yuri")
        assert account.invitation_digest and not accounts.has_key(account)


def test_create_with_a_password_file_prints_a_uri_that_logs_in(app, runner, passphrase, database_url, clock, tmp_path):
    password = "a long bootstrap passphrase " + secrets.token_hex(4)
    (tmp_path / "password").write_text(password + "\n")
    result = invoke(
        app,
        runner,
        "accounts",
        "create",
        "--username",
        "Xena",
        "--name",
        "Xena Q",
        "--role",
        "coordinator",
        "--password-file",
        str(tmp_path / "password"),
    )
    assert result.exit_code == 0, result.output
    assert password not in result.output
    uri = re.search(r"^authenticator: (otpauth://totp/\S+)$", result.output, re.M).group(1)
    secret = re.search(r"[?&]secret=([A-Z2-7]+)", uri).group(1)
    assert "issuer=Ugly%20Mugs" in uri and "xena" in uri
    assert len(password) >= accounts.MIN_PASSWORD

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = accounts.find(db, "xena")
        assert (account.role, account.display_name, account.active) == ("coordinator", "Xena Q", True)
        # Invited to the scheme key group by default, not yet holding it.
        member = db.scalar(select(GroupMembership).where(GroupMembership.account_id == account.id))
        assert member is not None and member.sealed is None
        user = StaffUser(account.id, account.username, account.role, password, secret)
    assert dbscan.find_plaintext(database_url, [password, secret]) == []

    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")
    assert client.get("/staff/keys").status_code == 200

    # The same username again, an unknown role or a missing option: an error, no account.
    assert invoke(app, runner, "accounts", "create", "--username", "xena", "--role", "admin").exit_code == 1
    assert invoke(app, runner, "accounts", "create", "--username", "yuri", "--role", "king").exit_code == 2
    assert invoke(app, runner, "accounts", "create", "--role", "admin").exit_code == 2
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(Account.id).where(Account.username == "yuri")) is None


def test_deactivate_ends_sessions_and_refuses_login(app, runner, passphrase, clock):
    user, client = enrolled(app, "dora", "outreach")
    assert client.get("/outreach/reports").status_code == 200
    result = invoke(app, runner, "accounts", "deactivate", "dora")
    assert result.exit_code == 0, result.output
    assert client.get("/outreach/reports").status_code == 302
    clock.shift(30)
    response = attempt(app.test_client(), "dora", PASSWORD, code_for(user.secret))
    assert response.status_code == 401 and FAILED in response.get_data(as_text=True)
    assert invoke(app, runner, "accounts", "deactivate", "nobody").exit_code == 1


def test_reset_2fa_sends_the_next_login_to_enrolment(app, runner, passphrase, clock):
    user, client = enrolled(app, "carla")
    result = invoke(app, runner, "accounts", "reset-2fa", "carla")
    assert result.exit_code == 0, result.output
    assert client.get("/staff/keys").status_code == 302
    clock.shift(30)
    fresh = app.test_client()
    response = attempt(fresh, "carla", PASSWORD, code_for(user.secret))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    # A new authenticator secret is shown for the new enrolment, not the old one.
    page = fresh.get("/login/enrol").get_data(as_text=True)
    new_secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert new_secret != user.secret and user.secret not in page
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert not db.get(Account, user.id).totp_confirmed
    token = csrf(fresh, "/login/enrol")
    assert fresh.post("/login/enrol", data={"code": code_for(user.secret), "csrf_token": token}).status_code == 400
    token = csrf(fresh, "/login/enrol")
    response = fresh.post("/login/enrol", data={"code": code_for(new_secret), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")


def test_unlock_lifts_a_lockout(app, runner, passphrase, clock):
    user, _ = enrolled(app, "carla")
    client = app.test_client()
    clock.shift(60 - time.time() % 60 + 0.2)  # failures are counted per clock minute
    for _ in range(5):
        attempt(client, "carla", "a wrong password here", "000000")
    assert THROTTLED in attempt(client, "carla", PASSWORD, code_for(user.secret)).get_data(as_text=True)
    result = invoke(app, runner, "accounts", "unlock", "carla")
    assert result.exit_code == 0, result.output
    assert attempt(client, "carla", PASSWORD, code_for(user.secret)).status_code == 302


def test_keys_grant_reads_the_passphrase_from_stdin(app, runner, passphrase, tmp_path):
    password_file = tmp_path / "initial-password"
    password_file.write_text(PASSWORD + "\n")
    args = ("accounts", "create", "--username", "carla", "--role", "coordinator", "--password-file", str(password_file))
    result = invoke(app, runner, *args)
    assert result.exit_code == 0, result.output
    assert "initial password" not in result.output

    wrong = ("AAAA" if not passphrase.startswith("AAAA") else "BBBB") + passphrase[4:]
    result = invoke(app, runner, "keys", "grant", "carla", stdin=wrong + "\n")
    assert result.exit_code == 1
    assert "does not open the keys" in result.output
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(GroupMembership.sealed)) is None

    result = invoke(app, runner, "keys", "grant", "carla", stdin=passphrase + "\n")
    assert result.exit_code == 0, result.output
    assert passphrase not in result.output
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = accounts.find(db, "carla")
        personal = accounts.unlock(account, PASSWORD).personal
        scheme = keystore.scheme_key(db)
        assert groups.open_group_key(db, account.id, personal, scheme.id).public == scheme.public_key

    # A role that holds no group key is refused.
    assert invoke(app, runner, "accounts", "create", "--username", "ada", "--role", "admin").exit_code == 0
    result = invoke(app, runner, "keys", "grant", "ada", stdin=passphrase + "\n")
    assert result.exit_code == 1 and "holds no group key" in result.output


def test_projects_create(app, runner, passphrase):
    result = invoke(app, runner, "projects", "create", "Basis Yorkshire")
    assert result.exit_code == 0, result.output
    assert invoke(app, runner, "projects", "create", "Basis Yorkshire").exit_code == 1
    result = invoke(
        app, runner, "accounts", "create", "--username", "olga", "--role", "outreach", "--project", "Basis Yorkshire"
    )
    assert result.exit_code == 0, result.output
    result = invoke(app, runner, "accounts", "create", "--username", "oona", "--role", "outreach", "--project", "None")
    assert result.exit_code == 1 and "no project named" in result.output
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        projects = db.scalars(select(Project)).all()
        assert [p.name for p in projects] == ["Basis Yorkshire"]
        assert accounts.find(db, "olga").project_id == projects[0].id
        assert accounts.find(db, "oona") is None


def at_a_terminal(args: list[str], env: dict[str, str], cwd: Path, typed: str, timeout: float = 90) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as its standard input and output; type ``typed`` at the
    first prompt. Returns the exit status and everything the terminal showed (echo included)."""
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True)
    os.close(slave)
    shown, sent = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = io_select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the command has ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not sent and b"passphrase:" in shown.lower():
                os.write(master, typed.encode() + b"\n")
                sent = True
        status = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert sent, f"no passphrase prompt appeared:\n{shown.decode(errors='replace')}"
    return status, shown.decode(errors="replace")


@pytest.mark.parametrize(
    ("command", "success"),
    [(["setup", "verify-recovery"], "the passphrase opens"), (["keys", "grant", "carla"], "now holds the group key")],
)
def test_a_passphrase_typed_at_a_terminal_is_not_echoed(
    app, runner, passphrase, database_url, project_root, command, success
):
    create(app, "carla", "coordinator")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        groups.invite(db, accounts.find(db, "carla"), None)
        db.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env["UGLY_MUGS_DATABASE_URL"] = database_url
    env["UGLY_MUGS_KEYSTORE_URL"] = keystore_url_for(database_url)
    flask = str(Path(sys.executable).with_name("flask"))
    status, shown = at_a_terminal([flask, "--app", "wsgi", *command], env, project_root, passphrase)
    assert status == 0, shown
    assert success in shown and "Recovery passphrase:" in shown
    for spelling in (passphrase, passphrase.replace("-", ""), passphrase[:9]):
        assert spelling not in shown


def test_a_piped_passphrase_is_not_printed(app, runner, passphrase):
    create(app, "carla", "coordinator")
    for args in (["setup", "verify-recovery"], ["keys", "grant", "carla"]):
        result = invoke(app, runner, *args, stdin=passphrase + "\n")
        assert result.exit_code == 0, result.output
        assert passphrase not in result.output and passphrase[:9] not in result.output
