"""``make run``'s supervisor, ``flask --app wsgi demo serve``: the demo a newcomer sees.

Proves: the real command (in its own process, on a free port) serves the app, runs the alert
worker and a mail sink, so that an alert published for the demo project arrives as an ``.eml``
file in the mail directory, and Ctrl-C then stops every process it started (gunicorn's workers
included). The supervisor itself, with stand-in children that start at once: SIGINT, SIGTERM
and SIGHUP each stop every child; any one child stopping by itself (the web server or the
worker) stops the other; a child that ignores SIGTERM is killed after the grace time; no child
is ever left running. Production mode refuses the demo. Everything is on 127.0.0.1 and bounded
in time.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.support.alerting import make_project, publish_message
from tests.support.app import keystore_url_for, make_app
from tests.support.source import ROOT
from ugly_mugs.demo import mailsink, seed, serve
from ugly_mugs.keys import keystore

START_SECONDS = 90  # a loaded two-core machine starts gunicorn and the worker in a few seconds
STOP_SECONDS = 40  # the supervisor gives each child 15 s after SIGTERM


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def process_tree(pid: int) -> set[int]:
    """``pid`` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(parent(int(stat.parent.name)), []).append(int(stat.parent.name))
        except OSError:
            continue
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, []))
    return found


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def demo(database_url, tmp_path):
    """A project with the demo's email address, and the real command serving; stopped afterwards."""
    app = make_app(database_url)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        make_project(session, seed.PROJECT_NAME, areas=["holbeck"], emails=[seed.PROJECT_EMAIL])
        session.commit()
    port = mailsink.free_port()
    log = tmp_path / "serve.log"
    env = dict(
        os.environ,
        UGLY_MUGS_DATABASE_URL=database_url,
        UGLY_MUGS_KEYSTORE_URL=keystore_url_for(database_url),
        UGLY_MUGS_SECRET_KEY=secrets.token_hex(32),
        UGLY_MUGS_WORKERS="1",
        UGLY_MUGS_ENV="development",
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "serve", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--mail-dir", str(tmp_path / "mail")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: healthy(port) or process.poll() is not None, START_SECONDS, "the demo to answer")
        assert process.poll() is None, log.read_text()
        # gunicorn's master and its worker, and the alert worker, all under the supervisor.
        wait_for(lambda: len(process_tree(process.pid)) >= 4, START_SECONDS, "every demo process")
        yield app, process, tmp_path / "mail", log
    finally:
        tree = process_tree(process.pid)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                for pid in tree:
                    if running(pid):
                        os.kill(pid, signal.SIGKILL)
                process.wait(STOP_SECONDS)
        app.extensions["ugly_mugs.engine"].dispose()


def test_a_published_alert_reaches_the_mail_sink_and_ctrl_c_stops_every_process(demo):
    app, process, mail_dir, log = demo
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        message = publish_message(session, ["holbeck"], "Silver estate car", "Takes phones; be careful.")
        message_id = message.message_id
    files = wait_for(lambda: sorted(mail_dir.glob("*.eml")), 60, "the alert in the mail sink")
    assert len(files) == 1
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["To"] == seed.PROJECT_EMAIL
    assert mail["X-Bulletin-Id"] == message_id
    assert "Silver estate car" in mail.get_body(("plain",)).get_content()
    assert not list(mail_dir.glob(".*.part"))
    assert wait_for(lambda: f"saved as {files[0]}" in log.read_text(), 10, "the sink's line")

    tree = process_tree(process.pid)
    process.send_signal(signal.SIGINT)
    assert process.wait(STOP_SECONDS) == 0, log.read_text()
    assert not [pid for pid in tree if running(pid)], log.read_text()


# Stand-in children: write their pid once ready, then wait; or exit at once; or ignore SIGTERM.
CHILD = """
import os, signal, sys, time
from pathlib import Path
if sys.argv[2] == "exit":
    sys.exit(3)
if sys.argv[2] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
Path(sys.argv[1]).write_text(str(os.getpid()))
time.sleep(120)
"""


def supervise(tmp_path, modes: dict[str, str], then=None):
    """``serve.run`` in this process over stand-in children; ``then`` runs once every waiting one is ready.

    Returns (exit status, lines said, child pids).
    """
    pidfiles = {name: tmp_path / f"{name.replace(' ', '-')}.pid" for name in modes}
    commands = {name: [sys.executable, "-c", CHILD, str(pidfiles[name]), mode] for name, mode in modes.items()}
    waiting = [pidfiles[name] for name, mode in modes.items() if mode != "exit"]

    def act():
        try:
            wait_for(lambda: all(p.exists() and p.read_text() for p in waiting), 60, "the stand-in children")
        finally:
            if then is not None:
                then()

    helper = threading.Thread(target=act, daemon=True)
    helper.start()
    lines: list[str] = []
    status = serve.run(mailsink.free_port(), tmp_path / "mail", ROOT, lines.append, commands)
    helper.join(STOP_SECONDS)
    pids = [int(p.read_text()) for p in waiting if p.exists()]
    return status, lines, pids


@pytest.mark.parametrize("stop_with", serve.STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_each_stop_signal_stops_every_child(tmp_path, stop_with):
    before = signal.getsignal(stop_with)
    modes = {serve.WEB_SERVER: "wait", "alert worker": "wait"}
    status, lines, pids = supervise(tmp_path, modes, lambda: os.kill(os.getpid(), stop_with))
    assert status == 0, lines
    assert len(pids) == 2 and not [pid for pid in pids if running(pid)]
    assert signal.getsignal(stop_with) == before


@pytest.mark.parametrize("dies", [serve.WEB_SERVER, "alert worker"])
def test_a_child_that_stops_by_itself_stops_the_other(tmp_path, dies):
    modes = {serve.WEB_SERVER: "wait", "alert worker": "wait", dies: "exit"}
    status, lines, pids = supervise(tmp_path, modes)
    assert status == 1
    assert f"the {dies} stopped (exit status 3); stopping the rest" in lines
    assert any("make run PORT=" in line for line in lines) == (dies == serve.WEB_SERVER)
    assert len(pids) == 1 and not running(pids[0])


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_time(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "STOP_SECONDS", 1.0)
    modes = {serve.WEB_SERVER: "wait", "alert worker": "ignore-term"}
    started = time.monotonic()
    status, _, pids = supervise(tmp_path, modes, lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert status == 0 and time.monotonic() - started >= 1.0
    assert len(pids) == 2 and not [pid for pid in pids if running(pid)]


def test_production_mode_refuses_the_demo(database_url):
    app = make_app(database_url, DEMO_ALLOWED=False)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "serve", "--port", "1"])
    app.extensions["ugly_mugs.engine"].dispose()
    assert result.exit_code != 0
    assert "not allowed" in result.output
