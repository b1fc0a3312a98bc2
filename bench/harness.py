"""What the benchmarks share: fresh databases, the real app under gunicorn, percentiles, tables.

Every benchmark here prepares its database with the real commands (``flask --app wsgi db
upgrade`` and ``setup init``), serves with ``config/gunicorn.conf.py`` on 127.0.0.1 only, stops
every process it started (gunicorn runs in its own session so its workers go with it) and drops
its throwaway PostgreSQL database. A failure of the harness itself raises ``HarnessError``;
a missed target never does.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import platform
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ugly_mugs import consent
from ugly_mugs.reports.reporter_types import ALL as REPORTER_TYPES

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


class HarnessError(RuntimeError):
    """The benchmark itself could not run (not a missed target)."""


# --- figures ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Phase:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.ok + self.errors

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in milliseconds.

        Failed requests are counted as errors instead: a refused connection fails in microseconds
        and would make the latency look better than it is.
        """
        return percentile(self.latencies_ms, p)

    def note_error(self, problem: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(problem)


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    align: str = ">"  # format-spec alignment: "<" for text, ">" for figures
    spec: str = ""  # format-spec after the width, e.g. ".1f"

    def cell(self, value: object) -> str:
        return f"{value:{self.align}{self.width}{self.spec}}"


def format_table(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> str:
    """A fixed-width table with a dashed rule under the header, one space between columns."""
    head = " ".join(f"{c.title:{c.align}{c.width}}" for c in columns)
    lines = [head, "-" * len(head)]
    for row in rows:
        lines.append(" ".join(c.cell(value) for c, value in zip(columns, row, strict=True)))
    return "\n".join(lines)


class LoadSampler:
    """The 1-minute load average sampled once a second while a ``with`` block runs, so that a
    figure can be read against how busy the machine was while it was measured.

    ``text()`` is ``"load 2.1-3.4 (mean 2.8)"`` (first sample to highest), or ``"load unknown"``
    where the platform has no load average."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-sampler", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                self.samples.append(os.getloadavg()[0])
            except OSError:
                return
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float:
        return sum(self.samples) / len(self.samples) if self.samples else float("nan")

    @property
    def highest(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    def text(self) -> str:
        if not self.samples:
            return "load unknown"
        return f"load {min(self.samples):.1f}-{self.highest:.1f} (mean {self.mean:.1f})"


def ratio(value: float, base: float) -> str:
    """``value`` as a multiple of ``base`` (``"x1.37"``), or ``"x?"`` when the base is not positive."""
    return f"x{value / base:.2f}" if base > 0 else "x?"


def load_average() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def machine_facts(databases: Sequence[str], pg_url: str) -> list[str]:
    """Cores, load, versions: what the figures depend on besides the code."""
    import gunicorn as gunicorn_package
    import sqlalchemy

    facts = [
        f"machine: {os.cpu_count()} cores ({platform.machine()}, {platform.system()} {platform.release()}), "
        f"{load_average()}",
        f"python {platform.python_version()}, gunicorn {gunicorn_package.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}",
    ]
    if "postgresql" in databases:
        facts.append(f"PostgreSQL {postgresql_version(pg_url)}")
    return facts


def parse_databases(value: str) -> list[str]:
    """``sqlite,postgresql`` to a list; ValueError names anything else."""
    kinds = [d.strip() for d in value.split(",") if d.strip()]
    unknown = set(kinds) - {"sqlite", "postgresql"}
    if unknown or not kinds:
        raise ValueError(f"unknown database kind: {', '.join(sorted(unknown)) or '(none)'}")
    return kinds


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers() -> None:
    """SIGTERM and SIGINT raise KeyboardInterrupt, so every ``with`` block stops what it started."""
    signal.signal(signal.SIGTERM, _interrupt)
    # Also when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def base_environment() -> dict[str, str]:
    """The caller's environment without any UGLY_MUGS_* setting, so only ours apply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def app_environment(database_url: str, secret_key: str | None = None) -> dict[str, str]:
    env = base_environment()
    env.update(
        {
            "UGLY_MUGS_ENV": "production",
            "UGLY_MUGS_DATABASE_URL": database_url,
            "UGLY_MUGS_SECRET_KEY": secret_key or secrets.token_hex(32),
            "UGLY_MUGS_MATCHING_KEY": secrets.token_hex(32),
            "UGLY_MUGS_AUDIT_KEY": secrets.token_hex(32),
            "UGLY_MUGS_DELIVERY_KEY": secrets.token_hex(32),
            # Production needs the setting; no benchmark runs `audit checkpoint`, so no file is made.
            "UGLY_MUGS_AUDIT_CHECKPOINT_FILE": str(Path(tempfile.gettempdir()) / f"bench-{os.getpid()}-checkpoints"),
            # Production needs the erasure key store apart from the database: a SQLite file per
            # database the benchmark makes (its name from the database's), holding only test keys.
            "UGLY_MUGS_KEYSTORE_URL": "sqlite:///"
            + str(
                Path(tempfile.gettempdir())
                / f"bench-{os.getpid()}-{hashlib.sha256(database_url.encode()).hexdigest()[:12]}-keys.sqlite"
            ),
        }
    )
    return env


def run_command(args: list[str], env: dict[str, str], input_text: str | None = None) -> str:
    """Run a command in the project directory; its standard output, or HarnessError with its output."""
    done = subprocess.run(args, cwd=ROOT, env=env, input=input_text, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        # setup init prints the recovery passphrase on success only; a failure's output is safe to show.
        raise HarnessError(f"{' '.join(args[1:])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_app_database(database_url: str, env: dict[str, str] | None = None) -> None:
    """Migrate and set the installation up with the real commands (the recovery passphrase is discarded)."""
    env = env or app_environment(database_url)
    run_command([*FLASK, "db", "upgrade"], env)
    run_command([*FLASK, "setup", "init"], env)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn we started (its own session, so its workers go with it)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log, lines)

    def check(self, label: str) -> None:
        if not self.alive():
            raise HarnessError(f"{label}: gunicorn exited with {self.process.returncode}:\n{_tail(self.log)}")


@contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int, log: Path) -> Iterator[Server]:
    """Serve ``target`` under gunicorn with the project's configuration."""
    port = free_port()
    env = {**env, "UGLY_MUGS_WORKERS": str(workers), "UGLY_MUGS_BIND": f"{HOST}:{port}"}
    args = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", target]
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_ready(process, port, log)
        yield Server(port, process, log)
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise HarnessError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{_tail(log)}")


# --- databases ----------------------------------------------------------------------------


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.sqlite3'}"


@contextmanager
def postgresql_database(base_url: str, prefix: str = "bench") -> Iterator[str]:
    """A throwaway database ``<prefix>_<random>`` on the local server, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    if url.host not in {"127.0.0.1", "localhost"}:
        raise HarnessError(f"the benchmark only uses a local PostgreSQL, not {url.host}")
    if not prefix.replace("_", "").isalnum() or not prefix[0].isalpha() or prefix.startswith("test"):
        # Never a name the test suite uses (``test``, ``test_gw0``…).
        raise HarnessError(f"unusable database prefix {prefix!r}")
    name = f"{prefix}_{secrets.token_hex(4)}"
    conninfo = {
        "host": url.host,
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    conninfo = {k: v for k, v in conninfo.items() if v is not None}
    try:
        with psycopg.connect(**conninfo) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise HarnessError(f"cannot create a PostgreSQL database: {exc}") from None
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**conninfo) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(kind: str, pg_url: str) -> Iterator[str]:
    """A fresh database of ``kind`` ('sqlite' or 'postgresql') that is removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            yield f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    elif kind == "postgresql":
        with postgresql_database(pg_url) as url:
            yield url
    else:
        raise HarnessError(f"unknown database {kind!r} (sqlite or postgresql)")


def database(kind: str, workdir: Path, pg_url: str):
    """The context manager giving a fresh database URL of ``kind``."""
    return sqlite_database(workdir) if kind == "sqlite" else postgresql_database(pg_url)


def postgresql_version(base_url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    try:
        with psycopg.connect(
            host=url.host, port=url.port or 5432, user=url.username or "postgres", dbname="postgres", connect_timeout=5
        ) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])
    except psycopg.Error:
        return "unreachable"


# --- rows ---------------------------------------------------------------------------------


def report_row(rng: random.Random, received_at: datetime, area_ids: Sequence[int], statuses) -> dict:
    """A plain report row for bulk insertion (no sections: the pages timed never read them).

    ``statuses`` is ``(codes, weights)``; who filed and the consent level follow the shares the
    seeded test data uses (six in ten by the person it happened to, four in nine alert only).
    """
    return {
        "id": secrets.token_hex(16),
        "reference": "UM-" + secrets.token_hex(6).upper(),
        "receipt_lookup": None,
        "received_at": received_at,
        "incident_week": (received_at - timedelta(days=received_at.weekday())).date(),
        "area_id": rng.choice(area_ids),
        "police_unit_id": None,
        "reporter_type": rng.choices(REPORTER_TYPES, (6, 3, 1))[0],
        "consent_level": rng.choices(consent.LEVELS, (4, 3, 2))[0],
        "status": rng.choices(*statuses)[0],
        "language": "en",
    }
