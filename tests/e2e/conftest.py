"""A live gunicorn server on a fresh database, and a real Chromium to drive it.

The server is started exactly as an operator would start it (``flask --app wsgi db upgrade``,
``flask --app wsgi setup init``, ``gunicorn -c config/gunicorn.conf.py wsgi:app``), with its
output captured to a file so that tests can read what it logged. With
UGLY_MUGS_TEST_DATABASE_URL set, the server gets its own throwaway PostgreSQL database on
the same PostgreSQL server, so it never touches the shared test database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from tests.support.app import ROOMY_FILING, keystore_url_for, new_postgres_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
START_TIMEOUT = 20
STOP_TIMEOUT = 10


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    log_path: Path
    database_url: str
    passphrase: str
    # The server's own environment (it holds the secret key): kept out of reprs and failure reports.
    env: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run ``flask --app wsgi ARGS`` as the operator would, on this server's database and settings."""
        return _flask(self.env, *args, stdin=stdin)

    def file_report(self, **fields: str) -> dict:
        """File a report through the JSON API, today in Holbeck unless ``fields`` say otherwise;
        returns the API's answer (reference and receipt code)."""
        body = {"incident_date": date.today().isoformat(), "area": "holbeck", **fields}
        request = urllib.request.Request(
            self.base_url + "/api/v1/reports",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            return json.load(response)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(database_url: str, secret_key: str, bind: str, workdir: Path) -> dict[str, str]:
    # Only the settings chosen here: a developer's own UGLY_MUGS_* must not leak into the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env.update(
        {
            "UGLY_MUGS_DATABASE_URL": database_url,
            "UGLY_MUGS_KEYSTORE_URL": keystore_url_for(database_url),
            "UGLY_MUGS_SECRET_KEY": secret_key,
            "UGLY_MUGS_BIND": bind,
            "UGLY_MUGS_WORKERS": "2",
            "PYTHONUNBUFFERED": "1",
            # Gunicorn's control socket defaults to one shared path per user; keep this server's apart.
            "XDG_RUNTIME_DIR": str(workdir),
            # The public check-a-number page is off by default and is a reporter page that must be
            # tested in the browser. Switched on for the whole session rather than in a second
            # server: it only adds a page, which no other test visits, and one gunicorn per session
            # keeps the suite quick.
            "UGLY_MUGS_PUBLIC_CHECK": "true",
            # One server for the session files many reports from 127.0.0.1: the filing quota is
            # out of the browser tests' way (its own tests: tests/integration/api/test_problems.py).
            "UGLY_MUGS_FILING_CLIENT_LIMIT": str(ROOMY_FILING["FILING_CLIENT_LIMIT"]),
            "UGLY_MUGS_FILING_GLOBAL_LIMIT": str(ROOMY_FILING["FILING_GLOBAL_LIMIT"]),
            # The subscription pages are reporter pages too (tests/e2e/test_subscribe_browser.py);
            # on for the session as the check page is, with room for one sign-up per language.
            "UGLY_MUGS_SUBSCRIPTIONS": "true",
            "UGLY_MUGS_SUBSCRIBE_CLIENT_LIMIT": "100",
        }
    )
    return env


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def _server_database(tmp_path_factory) -> Iterator[str]:
    shared = os.environ.get("UGLY_MUGS_TEST_DATABASE_URL")
    if not shared:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'ugly_mugs.sqlite3'}"
        return
    with new_postgres_database("e2e", shared) as url:
        yield url


def _wait_healthy(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz within {START_TIMEOUT}s:\n{log_path.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="session")
def live_server(_server_database, tmp_path_factory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    bind = f"127.0.0.1:{port}"
    env = _server_env(_server_database, secrets.token_hex(32), bind, workdir)

    _flask(env, "db", "upgrade")
    printed = _flask(env, "setup", "init")
    found = re.search(r"RECOVERY PASSPHRASE[^\n]*\n\s*(\S[^\n]*?)\s*$", printed, re.MULTILINE)
    assert found, f"setup init printed no passphrase:\n{printed}"

    log_path = workdir / "gunicorn.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://{bind}"
    try:
        _wait_healthy(base_url, process, log_path)
        yield LiveServer(base_url, log_path, _server_database, found.group(1), env)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def axe_script() -> Path:
    assert AXE.is_file(), f"{AXE} is missing: run `make axe` (npm ci in tests/e2e)"
    return AXE


def axe_violations(page, axe_script: Path) -> list[str]:
    """What axe-core finds against WCAG 2.2 A/AA on the page as it is now, one line per rule broken."""
    # After a click the new page may be shown before its stylesheet has loaded: axe would judge
    # unstyled targets (too small, too close). Wait for the whole page first.
    page.wait_for_load_state("load")
    # The page's CSP rightly refuses injected scripts; the axe sessions are opened with bypass_csp.
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
