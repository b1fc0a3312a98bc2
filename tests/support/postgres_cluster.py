"""A throwaway PostgreSQL cluster of the installed server, for tests that read its files.

``running_cluster()`` runs Debian's ``initdb`` into a fresh directory and starts ``postgres`` on
a free port of 127.0.0.1 with trust authentication, configured as docs/operating.md asks of an
installation that erases reports: ``wal_recycle = off``, so that write-ahead log segments past
a checkpoint are deleted rather than kept for reuse with their old contents. It yields a
``Cluster`` (the URL of a new database in it and where its files are) and stops the server by
its process id when done. As root, the server runs as the ``postgres`` user (it refuses root), through ``setpriv``.
The shared test server is never touched: its settings are not ours to change.
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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

BIN = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT = 30
STOP_TIMEOUT = 20


def _binary(name: str) -> Path | None:
    for candidate in (shutil.which(name), BIN / name, *sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def available() -> bool:
    return _binary("initdb") is not None and _binary("postgres") is not None


@dataclass(frozen=True)
class Cluster:
    url: str  # the database made for the test ("erasure")
    admin_url: str
    data_dir: Path

    def create_database(self, name: str) -> str:
        """A new empty database in the cluster; its URL."""
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def database_files(self, name: str = "erasure") -> bytes:
        """Every byte of the database's relation files (tables, indexes, TOAST) and of every
        write-ahead log segment, as someone copying the data directory would get them."""
        admin = create_engine(self.admin_url)
        try:
            with admin.connect() as conn:
                oid = conn.execute(text("SELECT oid FROM pg_database WHERE datname = :n"), {"n": name}).scalar_one()
        finally:
            admin.dispose()
        data = b""
        for path in sorted((self.data_dir / "base" / str(oid)).iterdir()):
            if path.is_file():
                data += path.read_bytes()
        return data + self.wal_files()

    def wal_files(self) -> bytes:
        data = b""
        for path in sorted((self.data_dir / "pg_wal").iterdir()):
            if path.is_file():
                data += path.read_bytes()
        return data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """As root, run ``command`` as the postgres user; setpriv execs it in place (no parent left
    between us and the server), so the server's id is the one we started."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--", *command]


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    initdb, postgres = _binary("initdb"), _binary("postgres")
    workdir = Path(tempfile.mkdtemp(prefix="um-cluster-"))
    data_dir = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    port = _free_port()
    log = (workdir / "server.log").open("wb") if os.geteuid() != 0 else None
    process = None
    try:
        subprocess.run(  # noqa: S603 - the installed initdb, fixed arguments
            _as_postgres(
                [str(initdb), "-D", str(data_dir), "--auth=trust", "-U", "postgres", "--wal-segsize=1", "--no-sync"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        process = subprocess.Popen(  # noqa: S603 - the installed server, fixed arguments
            _as_postgres(
                [
                    str(postgres),
                    "-D",
                    str(data_dir),
                    "-p",
                    str(port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={workdir}",
                    "-c",
                    "wal_recycle=off",
                    "-c",
                    "fsync=off",
                    "-c",
                    "autovacuum=off",
                    "-c",
                    "max_wal_size=64MB",
                ]
            ),
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            start_new_session=True,
        )
        admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + START_TIMEOUT
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        while True:
            try:
                with admin.connect() as conn:
                    conn.execute(text("CREATE DATABASE erasure"))
                break
            except Exception:  # noqa: BLE001 - not accepting connections yet
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the private PostgreSQL cluster did not start") from None
                time.sleep(0.2)
        admin.dispose()
        yield Cluster(f"postgresql+psycopg://postgres@127.0.0.1:{port}/erasure", admin_url, data_dir)
    finally:
        if process is not None and process.poll() is None:
            # SIGINT: PostgreSQL's fast shutdown (our own process, by its id).
            os.kill(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        if log:
            log.close()
        shutil.rmtree(workdir, ignore_errors=True)
