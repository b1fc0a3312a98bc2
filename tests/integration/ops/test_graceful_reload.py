"""A graceful reload drops no request: gunicorn is started as the deploy kit starts it
(``gunicorn -c config/gunicorn.conf.py wsgi:app``, two workers), clients keep requesting pages
and filing nothing-changing form posts, and the master is sent HUP twice (what
``systemctl reload ugly-mugs-web`` does). Every request gets its answer; the workers are
really replaced. Bounded: ten answers before and after each reload, every wait with a deadline.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.mailsink import free_port

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
START_TIMEOUT = 30
CLIENTS = 4


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid …: comm may hold spaces, so split after the closing bracket.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env.update(
        {
            "UGLY_MUGS_DATABASE_URL": f"sqlite:///{tmp_path / 'reload.sqlite3'}",
            "UGLY_MUGS_SECRET_KEY": secrets.token_hex(32),
            "UGLY_MUGS_BIND": f"127.0.0.1:{port}",
            "UGLY_MUGS_WORKERS": "2",
            "XDG_RUNTIME_DIR": str(tmp_path),
        }
    )
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail((tmp_path / "gunicorn.log").read_text(errors="replace"))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    try:
        _wait(healthy, START_TIMEOUT, "gunicorn to answer")
        _wait(lambda: len(_children(process.pid)) == 2, START_TIMEOUT, "two workers")
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def test_hup_reload_drops_no_request(gunicorn):
    process, port = gunicorn
    stop = threading.Event()
    answered: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        paths = ["/healthz", "/", "/report", "/receipt"]
        i = 0
        while not stop.is_set():
            path = paths[(n + i) % len(paths)]
            i += 1
            try:
                # A new connection each time: also proves the socket never stops accepting.
                # Gunicorn stops the old workers at once and the new ones take the requests once
                # they have loaded the app: meanwhile requests wait in the listening socket's
                # backlog, answered late (seconds on a busy machine) but answered.
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                connection.close()
                with lock:
                    (answered if response.status == 200 else failures).append(
                        response.status if response.status == 200 else f"{path}: {response.status}"
                    )
            except OSError as exc:
                with lock:
                    failures.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()

    def traffic(more: int) -> None:
        """Let the clients get ``more`` answers (the load is bounded by count, not by time)."""
        target = len(answered) + more
        _wait(lambda: len(answered) >= target or failures, 90, f"{more} more answers")

    try:
        traffic(10)
        for _ in range(2):
            before = _children(process.pid)
            process.send_signal(signal.SIGHUP)
            # The old workers go and two new ones serve, while the clients keep going.
            # Gunicorn retires the old workers once the new ones have loaded the app (seconds on a busy machine).
            _wait(lambda b=before: not (_children(process.pid) & b), 90, "the old workers to be replaced")
            _wait(lambda: len(_children(process.pid)) == 2, 30, "two new workers")
            traffic(10)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
    assert failures == []
    assert len(answered) >= 30
    assert process.poll() is None
