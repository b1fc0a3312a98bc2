"""Benchmark: what hybrid (X25519 + ML-KEM-768, HPKE) seals cost against the first release's
X25519 seals, per seal and per filed report.

Two measurements, in this process only (no server, no network):

(a) One seal and one unseal of a 32-byte section key with ``ugly_mugs.crypto.sealing``, to an
    X25519 key (version 1, the first release's format) and to a hybrid key (version 2, HPKE):
    the median and p95 of many runs, and the sealed size. Also what opening a hybrid private
    key costs (expanding its seed), which a logged-in person pays once per request.

(b) Filing: ``file_report`` (the function behind the form and the API) of a full-consent report
    (three sections, each key sealed to the scheme key, the unit key and the receipt), into a
    fresh SQLite database migrated and set up with the app's own code, once with the hybrid
    keys setup makes and once with the same installation's group public keys replaced by
    X25519 ones (filing needs only public keys). Median and p95 per report, committed.

It reports; it is not a test, and the exit status is 0 whatever the figures.

    .venv/bin/python -m bench.sealing              # about half a minute
    .venv/bin/python -m bench.sealing --quick
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.harness import Column, LoadSampler, format_table, machine_facts, percentile, ratio

CONTEXT = b"section-key|0123456789abcdef0123456789abcdef|incident|1|scheme"


def _times_us(work: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append((time.perf_counter() - t0) * 1e6)
    return times


def per_seal(runs: int) -> list[tuple[str, float, float, int]]:
    """(what, median µs, p95 µs, sealed bytes) for sealing and unsealing with each kind of key."""
    from ugly_mugs.crypto import aead, sealing

    rows = []
    secret = aead.new_key()
    for kind, label in ((sealing.X25519, "X25519, v1 (first release)"), (sealing.HYBRID, "hybrid HPKE, v2")):
        pair = sealing.generate_key_pair(kind)
        sealed = sealing.seal(pair.public, secret, CONTEXT)
        seal_times = _times_us(lambda pair=pair: sealing.seal(pair.public, secret, CONTEXT), runs)
        rows.append((f"seal to {label}", statistics.median(seal_times), percentile(seal_times, 95), len(sealed)))
        open_times = _times_us(lambda pair=pair, sealed=sealed: sealing.unseal(pair, sealed, CONTEXT), runs)
        rows.append((f"unseal, {label}", statistics.median(open_times), percentile(open_times, 95), len(sealed)))
    hybrid = sealing.generate_key_pair(sealing.HYBRID)
    expand = _times_us(lambda: sealing.key_pair_from_private(hybrid.private), runs)
    rows.append(("open a hybrid private key (seed)", statistics.median(expand), percentile(expand, 95), 0))
    return rows


def _new_report(areas, consent_level: str):
    from ugly_mugs.reports.filing import NewReport

    return NewReport(
        incident_date=date(2026, 11, 20),
        area_code=areas[1].code,
        categories=["physical-assault"],
        consent_level=consent_level,
        reporter_type="self",
        identity={"name": "Bench reporter", "contact": "bench only"},
        incident={"part_of_day": "night", "what_happened": "Bench text. " * 40},
        perpetrator={"sex": "man", "vehicle": {"colour": "silver", "registration": "BE12 NCH"}},
    )


def filing(kind: str, reports: int, workdir: Path) -> list[float]:
    """Milliseconds per committed ``file_report`` with group keys of ``kind``, on a fresh SQLite database."""
    from sqlalchemy import select

    from ugly_mugs import consent, create_app, migrate
    from ugly_mugs.crypto import sealing
    from ugly_mugs.keys import keystore
    from ugly_mugs.models import GroupKey
    from ugly_mugs.reports.filing import file_report

    url = f"sqlite:///{workdir / f'sealing-{kind}.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(overrides={"DATABASE_URL": url}, env={})
    try:
        cfg = app.config
        make_session = app.extensions["ugly_mugs.sessionmaker"]
        with make_session() as session:
            keystore.set_up(session, cfg["AREAS"], cfg["POLICE_UNITS"])
            if kind == sealing.X25519:
                for group in session.scalars(select(GroupKey)):
                    group.public_key = sealing.generate_key_pair(sealing.X25519).public
            session.commit()
        categories = {c.code for c in cfg["CATEGORIES"]}
        times = []
        for _ in range(reports):
            with make_session() as session:
                t0 = time.perf_counter()
                file_report(session, _new_report(cfg["AREAS"], consent.FULL_REPORT), categories)
                session.commit()
                times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


SEAL_TABLE = (
    Column("operation", 36, "<"),
    Column("median µs", 10, spec=".1f"),
    Column("p95 µs", 9, spec=".1f"),
    Column("bytes", 6),
)
FILING_TABLE = (
    Column("group keys", 28, "<"),
    Column("reports", 7),
    Column("median ms", 10, spec=".2f"),
    Column("p95 ms", 8, spec=".2f"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sealing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="timed runs per seal operation (default 2000)")
    parser.add_argument("--reports", type=int, default=200, help="reports filed per kind of key (default 200)")
    parser.add_argument("--quick", action="store_true", help="200 runs, 30 reports")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.reports = 200, 30
    if args.runs < 1 or args.reports < 1:
        parser.error("--runs and --reports must be positive")
    from ugly_mugs.crypto import sealing

    print(f"timing seals ({args.runs} runs each)", flush=True)
    with LoadSampler() as load:
        seals = per_seal(args.runs)
        filed = {}
        with tempfile.TemporaryDirectory(prefix="bench-sealing-") as tmp:
            for kind in (sealing.X25519, sealing.HYBRID):
                print(f"filing {args.reports} full-consent reports with {kind} group keys (SQLite)", flush=True)
                filed[kind] = filing(kind, args.reports, Path(tmp))
    print()
    for fact in machine_facts(["sqlite"], ""):
        print(fact)
    print()
    print("(a) one 32-byte section key, in this process")
    print(format_table(SEAL_TABLE, seals))
    old, new = seals[0][1], seals[2][1]
    print(f"    hybrid seal minus X25519 seal: {new - old:+.0f} µs median ({ratio(new, old)} the X25519 baseline)")
    print()
    print("(b) file_report of a full-consent report (6 public-key seals, 3 receipt seals), committed, SQLite")
    labels = {sealing.X25519: "X25519 (first release)", sealing.HYBRID: "hybrid X25519 + ML-KEM-768"}
    print(
        format_table(
            FILING_TABLE,
            [(labels[k], len(t), statistics.median(t), percentile(t, 95)) for k, t in filed.items()],
        )
    )
    hybrid, classic = statistics.median(filed[sealing.HYBRID]), statistics.median(filed[sealing.X25519])
    difference = hybrid - classic
    print(f"    hybrid keys minus X25519 keys: {difference:+.2f} ms on the median filing ({ratio(hybrid, classic)})")
    print(f"while it ran: {load.text()}")
    print()
    print(
        f"summary: sealing: hybrid seal {new:.0f} µs median ({ratio(new, old)} X25519); full-consent filing "
        f"{hybrid:.2f} ms median with hybrid keys ({ratio(hybrid, classic)} X25519 keys); {load.text()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
