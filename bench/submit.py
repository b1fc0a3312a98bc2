"""Benchmark: anonymous report submissions through the JSON API, against a plain baseline.

For each database kind (SQLite, PostgreSQL) this prepares a fresh database, migrates it and
sets the installation up with the real commands (``flask --app wsgi db upgrade`` and
``setup init``), then serves the real app under gunicorn with ``config/gunicorn.conf.py``
and drives ``POST /api/v1/reports`` from concurrent clients. In the same run and with the
same harness it serves ``bench/baseline_app.py`` (same JSON body, stored unencrypted in one
table) and prints both, with the throughput ratio and whether the targets of issue 2 are met
(app throughput >= 60% of the baseline's, app p95 latency < 50 ms).

It reports; it is not a test. The exit status is 0 whatever the figures, and non-zero only when
the harness itself fails (a server does not start, every request of a case fails).

    .venv/bin/python -m bench.submit            # 10 s warm-up + 30 s measured per case
    .venv/bin/python -m bench.submit --quick    # 200 requests per case, a smoke run
    .venv/bin/python -m bench.submit --requests 2000 --databases sqlite

Only 127.0.0.1 is contacted. Every process started is stopped again, also on Ctrl-C, and the
throwaway PostgreSQL database is dropped.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PATH = "/api/v1/reports"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
TARGET_RATIO = 0.60
TARGET_P95_MS = 50.0
APP = "ugly-mugs"
BASELINE = "baseline"


class HarnessError(RuntimeError):
    """The benchmark itself could not run (not a missed target)."""


# --- request bodies -----------------------------------------------------------------------

_WHAT = [
    "He picked me up on the corner by the old mill around half eleven and seemed calm at first.",
    "Once we got to the car park behind the retail units he locked the doors and would not let me out.",
    "He said he had the money but when I asked for it up front he got angry and grabbed my wrist hard.",
    "He pushed me against the window and took my phone and my purse out of my bag.",
    "He kept saying he knew where I stay and that he would come back for me if I told anyone.",
    "I managed to get the door open when another car pulled in and I ran towards the petrol station.",
    "He drove off fast towards the ring road without his lights on.",
    "I have seen the same car going round the area on other nights, slowing down next to the girls.",
    "He smelled of drink and had a cut on his knuckles like he had been fighting before.",
    "Another worker told me he did the same to her last month and refused to pay her as well.",
]
_CARS = [("Ford", "Focus", "silver"), ("Vauxhall", "Astra", "black"), ("BMW", "3 series", "dark blue")]


def report_bodies(count: int, seed: int = 2) -> list[bytes]:
    """Realistic full reports, varied so that no two consecutive requests carry the same bytes."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        make, model, colour = rng.choice(_CARS)
        what = " ".join(rng.sample(_WHAT, 6))
        body = {
            "incident_date": (date.today() - timedelta(days=rng.randint(1, 30))).isoformat(),
            "part_of_day": "night",
            "incident_time": "about 11.30pm",
            "area": "holbeck",
            "place": "car park behind the retail units off the main road",
            "categories": ["physical-assault", "robbery", "threats"],
            "what_happened": what,
            "sex": "man",
            "age_range": "40 to 49",
            "name_used": rng.choice(["Dave", "Steve", "Mick"]),
            "height": "about 5 foot 10",
            "build": "heavy, big belly",
            "ethnicity": "white",
            "hair": "short grey, receding",
            "marks": "tattoo of a swallow on his left hand, scar through right eyebrow",
            "clothing": "grey hoodie, black tracksuit bottoms, white trainers",
            "accent": "local, deep voice",
            "vehicle_make": make,
            "vehicle_model": model,
            "vehicle_colour": colour,
            "vehicle_registration": f"Y{rng.randint(10, 99)} K",
            "phone_numbers": [f"07700 9{rng.randint(10000, 99999)}", f"07700 9{rng.randint(10000, 99999)}"],
            "usernames": ["davey_b on an advert site"],
            "where_met": "on the street",
            "where_taken": "car park behind the retail units",
            "reporter_type": "self",
            "consent_level": "anonymous_intel",
        }
        bodies.append(json.dumps(body).encode("utf-8"))
    return bodies


# --- load generation ----------------------------------------------------------------------


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
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, -(-len(ordered) * p // 100))
        return ordered[int(rank) - 1]


def drive(server: Server, bodies: list[bytes], clients: int, seconds: float | None, requests: int | None) -> Phase:
    """Run ``clients`` threads posting reports until ``seconds`` pass or ``requests`` are sent.

    Each client keeps one ``http.client`` connection and reuses it while the server allows;
    gunicorn's sync workers close after every response, so reconnecting is part of the cost,
    the same for both apps. If the server dies, the clients stop instead of counting refusals.
    """
    phase = Phase()
    lock = threading.Lock()
    issued = 0
    stopped = False
    start = time.perf_counter()
    deadline = start + seconds if seconds is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def take() -> int | None:
        nonlocal issued
        with lock:
            if stopped:
                return None
            if requests is not None and issued >= requests:
                return None
            if deadline is not None and time.perf_counter() >= deadline:
                return None
            issued += 1
            return issued

    def client() -> None:
        nonlocal stopped
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            while (n := take()) is not None:
                body = bodies[n % len(bodies)]
                t0 = time.perf_counter()
                problem = None
                try:
                    conn.request("POST", PATH, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    if response.status != 201:
                        problem = f"HTTP {response.status}: {data[:200]!r}"
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    problem = f"{type(exc).__name__}: {exc}"
                latency = (time.perf_counter() - t0) * 1000
                with lock:
                    if problem:
                        phase.errors += 1
                        if len(phase.error_samples) < 3:
                            phase.error_samples.append(problem)
                    else:
                        phase.latencies_ms.append(latency)
                if problem and not server.alive():
                    with lock:
                        stopped = True
        finally:
            conn.close()

    threads = [threading.Thread(target=client, name=f"client-{i}", daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:
        # Ctrl-C: let the clients finish their current request and stop asking for more.
        with lock:
            stopped = True
        raise
    phase.elapsed = time.perf_counter() - start
    return phase


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


def app_environment(database_url: str) -> dict[str, str]:
    env = base_environment()
    env.update(
        {
            "UGLY_MUGS_ENV": "production",
            "UGLY_MUGS_DATABASE_URL": database_url,
            "UGLY_MUGS_SECRET_KEY": secrets.token_hex(32),
        }
    )
    return env


def run_command(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        # setup init prints the recovery passphrase on success only; a failure's output is safe to show.
        raise HarnessError(f"{' '.join(args[1:])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def prepare_app_database(database_url: str) -> None:
    env = app_environment(database_url)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    run_command([*flask, "db", "upgrade"], env)
    run_command([*flask, "setup", "init"], env)


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
def postgresql_database(base_url: str) -> Iterator[str]:
    """A throwaway database ``bench_<random>`` on the local server, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    if url.host not in {"127.0.0.1", "localhost"}:
        raise HarnessError(f"the benchmark only uses a local PostgreSQL, not {url.host}")
    name = f"bench_{secrets.token_hex(4)}"
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


# --- one database kind --------------------------------------------------------------------


@dataclass
class Result:
    database: str
    app: str
    phase: Phase


def measure(label: str, server: Server, args: argparse.Namespace, bodies: list[bytes]) -> Phase:
    if args.warmup > 0:
        warm = drive(server, bodies, args.clients, seconds=args.warmup, requests=None)
        server.check(label)
        if warm.ok == 0:
            raise HarnessError(f"{label}: every warm-up request failed, e.g. {warm.error_samples[:1]}")
    if args.requests is not None:
        phase = drive(server, bodies, args.clients, seconds=None, requests=args.requests)
    else:
        phase = drive(server, bodies, args.clients, seconds=args.seconds, requests=None)
    server.check(label)
    if phase.ok == 0:
        raise HarnessError(f"{label}: every request failed, e.g. {phase.error_samples[:1]}")
    return phase


def bench_database(kind: str, args: argparse.Namespace, bodies: list[bytes], workdir: Path) -> list[Result]:
    from bench import baseline_app

    database = sqlite_database(workdir) if kind == "sqlite" else postgresql_database(args.pg_url)
    results = []
    with database as url:
        print(f"[{kind}] migrating and setting up a fresh database", flush=True)
        prepare_app_database(url)
        baseline_app.create_schema(url)

        print(f"[{kind}] {APP}: warm-up {args.warmup:g} s, then {_amount(args)}", flush=True)
        with gunicorn("wsgi:app", app_environment(url), args.workers, workdir / f"{kind}-app.log") as server:
            results.append(Result(kind, APP, measure(f"{kind} {APP}", server, args, bodies)))

        print(f"[{kind}] {BASELINE}: warm-up {args.warmup:g} s, then {_amount(args)}", flush=True)
        env = {**base_environment(), baseline_app.URL_VARIABLE: url}
        with gunicorn("bench.baseline_app:app", env, args.workers, workdir / f"{kind}-baseline.log") as server:
            results.append(Result(kind, BASELINE, measure(f"{kind} {BASELINE}", server, args, bodies)))
    return results


def _amount(args: argparse.Namespace) -> str:
    return f"{args.requests} requests" if args.requests is not None else f"{args.seconds:g} s measured"


# --- report -------------------------------------------------------------------------------


def machine_facts(args: argparse.Namespace) -> list[str]:
    import gunicorn as gunicorn_package
    import sqlalchemy

    try:
        load = "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "load average unknown"
    facts = [
        f"machine: {os.cpu_count()} cores ({platform.machine()}, {platform.system()} {platform.release()}), {load}",
        f"python {platform.python_version()}, gunicorn {gunicorn_package.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}",
    ]
    if "postgresql" in args.databases:
        facts.append(f"PostgreSQL {postgresql_version(args.pg_url)}")
    facts.append(
        f"setup: {args.clients} concurrent clients, {args.workers} gunicorn sync workers, "
        f"warm-up {args.warmup:g} s excluded, {_amount(args)} per case; only HTTP 201 counts as success"
    )
    return facts


def table(results: list[Result]) -> str:
    head = f"{'database':<11} {'app':<10} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}"
    rows = [head, "-" * len(head)]
    for r in results:
        p = r.phase
        rows.append(
            f"{r.database:<11} {r.app:<10} {p.requests:>8} {p.throughput:>8.1f} "
            f"{p.percentile(50):>8.1f} {p.percentile(95):>8.1f} {p.errors:>6}"
        )
    return "\n".join(rows)


def verdicts(results: list[Result]) -> list[str]:
    lines = []
    for kind in dict.fromkeys(r.database for r in results):
        by_app = {r.app: r.phase for r in results if r.database == kind}
        if APP not in by_app or BASELINE not in by_app:
            continue
        app, base = by_app[APP], by_app[BASELINE]
        ratio = app.throughput / base.throughput if base.throughput else float("nan")
        p95 = app.percentile(95)
        lines.append(
            f"{kind:<11} app/baseline throughput {ratio:6.1%} (target >= {TARGET_RATIO:.0%}: "
            f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}), "
            f"app p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'})"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.submit",
        description="Anonymous API submissions against gunicorn, app and unencrypted baseline, with figures.",
    )
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per case (default 30)")
    parser.add_argument("--requests", type=int, help="measure this many requests per case instead of --seconds")
    parser.add_argument("--warmup", type=float, default=10, help="warm-up seconds per case, excluded (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"local PostgreSQL server (default {DEFAULT_PG_URL})")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s warm-up and 200 requests per case")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown or not args.databases:
        parser.error(f"unknown database kind: {', '.join(sorted(unknown)) or '(none)'}")
    if args.quick:
        args.warmup, args.requests = 1, 200
    if args.requests is not None and args.requests < 1 or args.seconds <= 0 or args.clients < 1 or args.workers < 1:
        parser.error("--requests, --seconds, --clients and --workers must be positive")
    return args


def _interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    # Also when started from a shell that ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    bodies = report_bodies(64)
    print(f"report body: {len(bodies[0])} bytes of JSON, {len(bodies)} variants", flush=True)
    results: list[Result] = []
    failures: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ugly-mugs-bench-") as tmp:
            for kind in args.databases:
                try:
                    results.extend(bench_database(kind, args, bodies, Path(tmp)))
                except HarnessError as exc:
                    failures.append(f"{kind}: {exc}")
                    print(f"[{kind}] harness failure: {exc}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted; every server started has been stopped", file=sys.stderr)
        return 130

    print()
    for fact in machine_facts(args):
        print(fact)
    print()
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    for r in results:
        for sample in r.phase.error_samples:
            print(f"error sample ({r.database} {r.app}): {sample}")
    if failures:
        print(f"\nharness failed for: {', '.join(f.split(':')[0] for f in failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
