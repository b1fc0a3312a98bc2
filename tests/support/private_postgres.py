"""A PostgreSQL server of a test's own, which the test may stop and start (the shared test server
must never be stopped: other tests use it). Debian's server binaries (``initdb``, ``pg_ctl``)
make a cluster in a temporary directory owned by the ``postgres`` user, listening on a free port
of 127.0.0.1 only; everything is removed afterwards. ``available()`` says whether the binaries
are there (tests skip only when they are not)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.support.mailsink import free_port

USER = "postgres"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    if _bin_dir() is None:
        return False
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return False
    return os.geteuid() == 0 or pwd.getpwuid(os.geteuid()).pw_name == USER


class Server:
    def __init__(self, bin_dir: Path, data: Path, port: int):
        self.bin_dir, self.data, self.port = bin_dir, data, port
        self.log = data.parent / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")


@contextmanager
def private_server():
    """Yields a running ``Server``; stopped and removed afterwards."""
    bin_dir = _bin_dir()
    assert bin_dir is not None, "no PostgreSQL server binaries"
    root = Path(tempfile.mkdtemp(prefix="um-private-pg-"))
    account = pwd.getpwnam(USER)
    os.chown(root, account.pw_uid, account.pw_gid)
    root.chmod(0o700)
    server = Server(bin_dir, root / "data", free_port())
    try:
        server._run("initdb", "-D", str(server.data), "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8")
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
