"""``make run``'s supervisor: the web server, the alert worker and the mail sink, started and
stopped together.

gunicorn and the dispatch worker (``flask --app wsgi alerts dispatch --loop``) run as child
processes of this one, with ``UGLY_MUGS_SMTP_URL`` pointing at the mail sink, which runs in a
thread here. Ctrl-C, SIGTERM or SIGHUP stops all of them; so does any one of them stopping on
its own (a web server that cannot bind its port, say), so nothing is left running half-way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from ugly_mugs.demo import mailsink

# How long each child may take to finish what it is doing after SIGTERM (the worker finishes the
# message in hand, gunicorn its requests) before it is killed.
STOP_SECONDS = 15.0
POLL_SECONDS = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
WEB_SERVER = "web server"


def _children(root: Path, python: str) -> dict[str, list[str]]:
    return {
        WEB_SERVER: [python, "-m", "gunicorn", "-c", str(root / "config" / "gunicorn.conf.py"), "wsgi:app"],
        "alert worker": [python, "-m", "flask", "--app", "wsgi", "alerts", "dispatch", "--loop"],
    }


def run(
    port: int,
    mail_dir: Path,
    root: Path,
    echo: Callable[[str], None] | None = None,
    commands: Mapping[str, list[str]] | None = None,
) -> int:
    """Serve the demo on ``http://127.0.0.1:port`` until a signal or a child's exit; return the exit status.

    0 after a signal (every child stopped), 1 when a child stopped by itself (the others are then
    stopped too). ``commands`` replaces the children (name -> argv), for tests. Must be called
    from the main thread (it installs signal handlers).
    """
    echo = echo or _print
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    bind = f"127.0.0.1:{port}"
    running: dict[str, subprocess.Popen] = {}
    sink = None
    status = 0
    try:
        smtp_port = mailsink.free_port()
        sink = mailsink.start(mail_dir, smtp_port, echo)
        # Unbuffered, so the children's lines appear as they happen even when output goes to a file.
        env = dict(
            os.environ,
            UGLY_MUGS_BIND=bind,
            UGLY_MUGS_SMTP_URL=f"smtp://{mailsink.HOST}:{smtp_port}",
            PYTHONUNBUFFERED="1",
        )
        for name, command in (commands or _children(root, sys.executable)).items():
            running[name] = subprocess.Popen(command, cwd=root, env=env)  # noqa: S603 - our own interpreter
        echo(
            f"Demo on http://{bind}/ (staff log in at /login). The alert worker sends published alerts to "
            f"the mail sink at smtp://{mailsink.HOST}:{smtp_port}, which saves each message in {mail_dir}/ "
            "as an .eml file. Ctrl-C stops everything."
        )
        while not stop.wait(POLL_SECONDS):
            ended = [(name, child.returncode) for name, child in running.items() if child.poll() is not None]
            if ended:
                for name, code in ended:
                    echo(f"the {name} stopped (exit status {code}); stopping the rest")
                if any(name == WEB_SERVER for name, _ in ended):
                    echo(f"is port {port} in use? Choose another: make run PORT={port + 1}")
                status = 1
                break
    finally:
        _stop_all(running.values())
        if sink is not None:
            sink.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _print(line: str) -> None:
    print(line, flush=True)


def _stop_all(children) -> None:
    """SIGTERM to every child still running, then wait for each (killing it after STOP_SECONDS)."""
    children = list(children)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
