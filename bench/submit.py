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
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.harness import (
    DEFAULT_PG_URL,
    HOST,
    Column,
    HarnessError,
    LoadSampler,
    Phase,
    Server,
    app_environment,
    base_environment,
    database,
    format_table,
    gunicorn,
    install_signal_handlers,
    machine_facts,
    parse_databases,
    prepare_app_database,
    ratio,
)

PATH = "/api/v1/reports"
TARGET_RATIO = 0.60
TARGET_P95_MS = 50.0
APP = "ugly-mugs"
ROOMY_LIMITS = {"UGLY_MUGS_FILING_CLIENT_LIMIT": "1000000000", "UGLY_MUGS_FILING_GLOBAL_LIMIT": "1000000000"}
BASELINE = "baseline"


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
                        phase.note_error(problem)
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


# --- one database kind --------------------------------------------------------------------


@dataclass
class Result:
    database: str
    app: str
    phase: Phase
    load: LoadSampler


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

    results = []
    with database(kind, workdir, args.pg_url) as url:
        print(f"[{kind}] migrating and setting up a fresh database", flush=True)
        prepare_app_database(url)
        baseline_app.create_schema(url)

        print(f"[{kind}] {APP}: warm-up {args.warmup:g} s, then {_amount(args)}", flush=True)
        # Every client of the benchmark is 127.0.0.1: the filing limits (10 a client, 300 in all,
        # per window) would refuse almost every request. They are raised, not switched off, so
        # that each filing still pays for counting itself as it does in service.
        env = {**app_environment(url), **ROOMY_LIMITS}
        with gunicorn("wsgi:app", env, args.workers, workdir / f"{kind}-app.log") as server:
            with LoadSampler() as load:
                phase = measure(f"{kind} {APP}", server, args, bodies)
            results.append(Result(kind, APP, phase, load))

        print(f"[{kind}] {BASELINE}: warm-up {args.warmup:g} s, then {_amount(args)}", flush=True)
        env = {**base_environment(), baseline_app.URL_VARIABLE: url}
        with gunicorn("bench.baseline_app:app", env, args.workers, workdir / f"{kind}-baseline.log") as server:
            with LoadSampler() as load:
                phase = measure(f"{kind} {BASELINE}", server, args, bodies)
            results.append(Result(kind, BASELINE, phase, load))
    return results


def _amount(args: argparse.Namespace) -> str:
    return f"{args.requests} requests" if args.requests is not None else f"{args.seconds:g} s measured"


# --- report -------------------------------------------------------------------------------


def setup_facts(args: argparse.Namespace) -> list[str]:
    return [
        *machine_facts(args.databases, args.pg_url),
        f"setup: {args.clients} concurrent clients, {args.workers} gunicorn sync workers, "
        f"warm-up {args.warmup:g} s excluded, {_amount(args)} per case; only HTTP 201 counts as success",
    ]


TABLE = (
    Column("database", 11, "<"),
    Column("app", 10, "<"),
    Column("requests", 8),
    Column("req/s", 8, spec=".1f"),
    Column("/base", 6),
    Column("p50 ms", 8, spec=".1f"),
    Column("/base", 6),
    Column("p95 ms", 8, spec=".1f"),
    Column("/base", 6),
    Column("errors", 6),
    Column("load mean", 9, spec=".2f"),
    Column("load max", 8, spec=".2f"),
)


def _baseline_of(results: list[Result], kind: str) -> Phase | None:
    return next((r.phase for r in results if r.database == kind and r.app == BASELINE), None)


def table(results: list[Result]) -> str:
    """One row per case; each figure beside its ratio to the baseline of the same database and
    run, and the 1-minute load average sampled while the case was measured (mean, highest)."""
    rows = []
    for r in results:
        base = _baseline_of(results, r.database) or r.phase
        rows.append(
            (
                r.database,
                r.app,
                r.phase.requests,
                r.phase.throughput,
                ratio(r.phase.throughput, base.throughput),
                r.phase.percentile(50),
                ratio(r.phase.percentile(50), base.percentile(50)),
                r.phase.percentile(95),
                ratio(r.phase.percentile(95), base.percentile(95)),
                r.phase.errors,
                r.load.mean,
                r.load.highest,
            )
        )
    return format_table(TABLE, rows)


def _ratio_of(app: Phase, base: Phase) -> float:
    return app.throughput / base.throughput if base.throughput else float("nan")


def verdicts(results: list[Result]) -> list[str]:
    lines = []
    for kind in dict.fromkeys(r.database for r in results):
        by_app = {r.app: r.phase for r in results if r.database == kind}
        if APP not in by_app or BASELINE not in by_app:
            continue
        app, base = by_app[APP], by_app[BASELINE]
        share = _ratio_of(app, base)
        p95 = app.percentile(95)
        lines.append(
            f"{kind:<11} app/baseline throughput {share:6.1%} (target >= {TARGET_RATIO:.0%}: "
            f"{'met' if share >= TARGET_RATIO else 'MISSED'}), "
            f"app p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'})"
        )
    return lines


def summary(results: list[Result]) -> str:
    """One line for the README's performance table: per database the app's throughput as a share
    of the baseline's, its p95 against the target, and the load the whole run was measured under."""
    parts = []
    samples = [x for r in results for x in r.load.samples]
    for kind in dict.fromkeys(r.database for r in results):
        by_app = {r.app: r.phase for r in results if r.database == kind}
        if APP not in by_app or BASELINE not in by_app:
            parts.append(f"{kind} incomplete")
            continue
        app, base = by_app[APP], by_app[BASELINE]
        share, p95 = _ratio_of(app, base), app.percentile(95)
        parts.append(
            f"{kind} {app.throughput:.0f} req/s = {share:.0%} of baseline {base.throughput:.0f} "
            f"(target >= {TARGET_RATIO:.0%}: {'met' if share >= TARGET_RATIO else 'MISSED'}), "
            f"p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f}: {'met' if p95 < TARGET_P95_MS else 'MISSED'})"
        )
    load = f"load mean {sum(samples) / len(samples):.2f}, highest {max(samples):.2f}" if samples else "load unknown"
    return "summary: submit: " + "; ".join(parts) + f"; {load}"


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
    try:
        args.databases = parse_databases(args.databases)
    except ValueError as exc:
        parser.error(str(exc))
    if args.quick:
        args.warmup, args.requests = 1, 200
    if args.requests is not None and args.requests < 1 or args.seconds <= 0 or args.clients < 1 or args.workers < 1:
        parser.error("--requests, --seconds, --clients and --workers must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_signal_handlers()
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
    for fact in setup_facts(args):
        print(fact)
    print()
    print(table(results))
    print()
    for line in verdicts(results):
        print(line)
    print(summary(results))
    for r in results:
        for sample in r.phase.error_samples:
            print(f"error sample ({r.database} {r.app}): {sample}")
    if failures:
        print(f"\nharness failed for: {', '.join(f.split(':')[0] for f in failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
