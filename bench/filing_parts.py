"""Benchmark: where one API filing's time goes, in-process, against the baseline's request.

For each database kind it prepares a fresh database with the real commands (``db upgrade``,
``setup init``), makes the real app and ``bench/baseline_app.py`` in this process and posts the
same report bodies as ``bench.submit`` to both through Flask's test client (no gunicorn, no
client threads: the application's own work). It prints the median wall time of a whole
filing, of each step of it (each step timed around the function that does it), and of the
baseline's whole request, each as a multiple of the baseline's request; then what the
throughput target of issue 20 (>= 60% of the baseline through gunicorn) leaves a filing on
top of the baseline's request, measured in the same units.

That allowance: with both apps CPU-bound on the same cores, throughput is inversely
proportional to the CPU a request costs in all (clients, gunicorn, the app, the database), so
60% of the baseline's throughput is a request costing at most 1/0.6 of the baseline's. Through
gunicorn the baseline's whole request costs ``2 cores / its throughput`` (pass it with
``--baseline-rps``, from ``bench.submit`` on the same machine); a filing may add two thirds of
that to it, whatever the application does.

    .venv/bin/python -m bench.filing_parts                       # about 20 seconds
    .venv/bin/python -m bench.filing_parts --baseline-rps sqlite=1280,postgresql=1391
    .venv/bin/python -m bench.filing_parts --quick --databases sqlite

Only 127.0.0.1 is contacted; the throwaway PostgreSQL database is dropped. It reports, never
fails on a figure.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench.harness import (
    DEFAULT_PG_URL,
    Column,
    LoadSampler,
    app_environment,
    format_table,
    machine_facts,
    parse_databases,
    prepare_app_database,
    ratio,
    scratch_database,
)
from bench.submit import PATH, ROOMY_LIMITS, TARGET_RATIO, report_bodies

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
CORES = os.cpu_count() or 1

# (module, function, label): the steps of a filing, in the order they run.
STEPS = (
    ("ugly_mugs.api.views", "_checked_report", "reading and checking the JSON"),
    ("ugly_mugs.web.throttling", "filing_refused_already", "filing limits: read"),
    ("ugly_mugs.reports.withholding", "profile_of", "her details: profile (P2)"),
    ("ugly_mugs.reports.withholding", "split", "her details: withheld (P2)"),
    ("ugly_mugs.matching.index", "prepare", "blind indexes"),
    ("ugly_mugs.keys.erasure", "new_report_key", "erasure key, stored"),
    ("ugly_mugs.reports.filing", "_encrypt_all", "sections encrypted, keys sealed"),
    ("ugly_mugs.web.throttling", "filing_refused", "filing limits: counted"),
    ("ugly_mugs.reports.filing", "store_report", "rows stored"),
)


class _Timed:
    """Wraps each step's function for the duration, adding its wall time per filing."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> _Timed:
        import importlib

        for module_name, name, label in STEPS:
            module = importlib.import_module(module_name)
            original = getattr(module, name)

            @functools.wraps(original)
            def timed(*args, _original=original, _label=label, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.spent[_label] += time.perf_counter() - started

            setattr(module, name, timed)
            self._undo.append(functools.partial(setattr, module, name, original))
        return self

    def __exit__(self, *_exc) -> None:
        for undo in reversed(self._undo):
            undo()


def _post_all(client, bodies: list[bytes], count: int) -> list[float]:
    times = []
    for i in range(count):
        started = time.perf_counter()
        response = client.post(PATH, data=bodies[i % len(bodies)], headers=HEADERS)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise SystemExit(f"a filing was answered {response.status_code}: {response.get_data(as_text=True)[:200]}")
    return times


def measure(kind: str, url: str, bodies: list[bytes], filings: int) -> dict[str, float]:
    """Milliseconds per request: 'baseline', 'filing' and each step's label."""
    from bench import baseline_app
    from ugly_mugs import create_app
    from ugly_mugs.db import make_engine

    env = app_environment(url)
    env.update(ROOMY_LIMITS)
    prepare_app_database(url, env)
    app = create_app(env=env)
    baseline_app.create_schema(url)
    base_engine = make_engine(url)
    try:
        client, base_client = app.test_client(), baseline_app.create_app(base_engine).test_client()
        warm = max(20, filings // 10)
        _post_all(client, bodies, warm)
        _post_all(base_client, bodies, warm)
        # Alternating halves, so that the two share whatever else the machine was doing.
        base_times, filing_times = [], []
        with _Timed() as timed:
            for _ in range(2):
                base_times += _post_all(base_client, bodies, filings // 2)
                filing_times += _post_all(client, bodies, filings // 2)
        done = len(filing_times)
        figures = {"baseline": statistics.median(base_times), "filing": statistics.median(filing_times)}
        figures.update({label: seconds * 1000 / done for label, seconds in timed.spent.items()})
        return figures
    finally:
        base_engine.dispose()
        app.extensions["ugly_mugs.engine"].dispose()


def _rates(value: str) -> dict[str, float]:
    """``sqlite=1280,postgresql=1391`` as {kind: requests a second}; argparse shows a ValueError."""
    rates = {}
    for item in value.split(","):
        kind, _, number = item.partition("=")
        rate = float(number)
        if kind.strip() not in ("sqlite", "postgresql") or rate <= 0:
            raise ValueError(item)
        rates[kind.strip()] = rate
    return rates


TABLE = (
    Column("database", 11, "<"),
    Column("what", 34, "<"),
    Column("ms", 7, spec=".2f"),
    Column("/base", 7, "<"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.filing_parts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=600, help="timed filings per database (default 600)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"local PostgreSQL server (default {DEFAULT_PG_URL})")
    parser.add_argument(
        "--baseline-rps",
        type=_rates,
        default={},
        help="the baseline's requests a second through gunicorn per database (bench.submit), "
        "for the allowance: sqlite=1280,postgresql=1391",
    )
    parser.add_argument("--quick", action="store_true", help="100 filings per database")
    args = parser.parse_args(argv)
    if args.quick:
        args.filings = 100
    if args.filings < 2:
        parser.error("--filings must be at least 2")
    try:
        kinds = parse_databases(args.databases)
    except ValueError as exc:
        parser.error(str(exc))
    bodies = report_bodies(64)
    results: dict[str, dict[str, float]] = {}
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        for kind in kinds:
            print(f"[{kind}] {args.filings} filings and as many baseline requests, in-process", flush=True)
            if kind == "sqlite":
                results[kind] = measure(kind, f"sqlite:///{Path(tmp) / 'parts.sqlite3'}", bodies, args.filings)
            else:
                with scratch_database(kind, args.pg_url) as url:
                    results[kind] = measure(kind, url, bodies, args.filings)
    print()
    for fact in machine_facts(kinds, args.pg_url):
        print(fact)
    rows = []
    for kind, figures in results.items():
        base = figures["baseline"]
        rows.append((kind, "baseline: whole request (median)", base, ratio(base, base)))
        rows.append((kind, "filing: whole request (median)", figures["filing"], ratio(figures["filing"], base)))
        for _, _, label in STEPS:
            rows.append((kind, f"  {label}", figures.get(label, 0.0), ratio(figures.get(label, 0.0), base)))
    print(format_table(TABLE, rows))
    print(f"while it ran: {load.text()}")
    print()
    parts = []
    for kind, figures in results.items():
        withheld = figures.get(STEPS[2][2], 0.0) + figures.get(STEPS[3][2], 0.0)
        part = f"{kind} filing {figures['filing']:.2f} ms = {ratio(figures['filing'], figures['baseline'])} baseline"
        part += f", withholding her details {withheld:.2f} ms"
        if kind in args.baseline_rps:
            # 60% of the throughput = at most 1/0.6 of the baseline's whole cost per request.
            whole = CORES / args.baseline_rps[kind] * 1000
            allowance = whole * (1 / TARGET_RATIO - 1)
            extra = figures["filing"] - figures["baseline"]
            part += (
                f"; through gunicorn the baseline costs {whole:.2f} ms of CPU a request, the target allows "
                f"{allowance:.2f} ms more, the filing adds {extra:.2f} ms ({extra / allowance:.1f}x the allowance)"
            )
        parts.append(part)
    print("summary: filing_parts: " + "; ".join(parts) + f"; {load.text()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
