"""A real PgBouncer (Debian's package) in transaction pooling mode, for the pooler tests.

``running_pgbouncer(server_url)`` writes a pgbouncer.ini into a fresh directory, starts
PgBouncer on a free port of 127.0.0.1 in front of the PostgreSQL server of ``server_url``
(trust authentication, as the test server has), waits until it answers, yields its address
and stops it. A small server pool (two connections) makes clients share server connections,
so anything that outlives a transaction on one shows up on another client.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
START_TIMEOUT = 15
STOP_TIMEOUT = 10


def available() -> bool:
    return Path(PGBOUNCER).exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_pgbouncer(
    server_url: str, pool_size: int = 2, listen: str = "127.0.0.1", max_clients: int = 200
) -> Iterator[tuple[str, int]]:
    """PgBouncer in transaction mode in front of ``server_url``'s server, listening on ``listen``
    (an address of this machine, e.g. a test bridge's); yields (host, port)."""
    server = make_url(server_url)
    port = _free_port()
    # PgBouncer refuses to run as root; as root it is started with -u postgres, who must be
    # able to read its files (a pytest tmp_path is private to root).
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    workdir.chmod(0o755)
    user = server.username or "postgres"
    (workdir / "userlist.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
    (workdir / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}",
                "[pgbouncer]",
                f"listen_addr = {listen}",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {workdir / 'userlist.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                f"max_client_conn = {max_clients}",
                # Not ignored: the app must send no startup options at all.
                "ignore_startup_parameters = extra_float_digits",
                "log_connections = 0",
                "log_disconnections = 0",
                "",
            ]
        ),
        encoding="utf-8",
    )
    for path in workdir.iterdir():
        path.chmod(0o644)
    command = [PGBOUNCER, str(workdir / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    log = (workdir / "pgbouncer.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {(workdir / 'pgbouncer.log').read_text(errors='replace')}")
            try:
                with socket.create_connection((listen, port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not listen in time") from None
                time.sleep(0.1)
        yield listen, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # immediate shutdown (SIGINT would wait for clients)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def through(url: str, host: str, port: int) -> str:
    """``url`` with its host and port replaced by the pooler's."""
    return make_url(url).set(host=host, port=port).render_as_string(hide_password=False)
