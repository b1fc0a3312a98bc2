"""Benchmark: one alert to 10,000 email addresses in 1,000 projects, through a local SMTP sink.

On a throwaway PostgreSQL database (``bench_fanout_<random>`` on 127.0.0.1, dropped at the end)
migrated with the real migrations, it makes 1,000 projects covering one area with 10 email
channels each, publishes one alert (10,000 outbox rows, written with the message as
publishing does), and runs the real worker, ``flask --app wsgi alerts dispatch --loop``, as
one and then as two processes against an aiosmtpd sink in this process on 127.0.0.1. For
each run it prints the wall time from starting the workers until every delivery is marked
delivered (including the workers' start-up), the sending time (first to last message received)
and messages per second, checks that every address got the message exactly once, and says
whether the target of issue 4 is met (all 10,000 in under 60 s with one worker).

It reports; it is not a test. The exit status is non-zero only when the harness fails.

    .venv/bin/python -m bench.fanout                         # 10,000 addresses, 1 and 2 workers
    .venv/bin/python -m bench.fanout --projects 100 --per-project 10 --workers 1

Only 127.0.0.1 is contacted. Every worker started is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench import harness
from tests.support.alerting import many_recipients, publish_message
from tests.support.mailsink import Sink, smtp_server
from ugly_mugs import create_app, migrate
from ugly_mugs.keys import keystore
from ugly_mugs.models import Delivery

TARGET_SECONDS = 60.0
TIMEOUT_SECONDS = 600.0


def worker_env(database_url: str, smtp_port: int) -> dict[str, str]:
    env = harness.app_environment(database_url)
    env["UGLY_MUGS_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    env["UGLY_MUGS_LOG_LEVEL"] = "warning"
    return env


def undelivered(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "delivered"))


def run(sessions, database_url: str, workers: int, expected: set[tuple[str, str]], workdir: Path) -> dict:
    sink = Sink(keep=False)
    first_seen = last_seen = None
    processes: list[subprocess.Popen] = []
    with smtp_server(sink) as (_, port):
        env = worker_env(database_url, port)
        start = time.monotonic()
        try:
            for n in range(workers):
                log = (workdir / f"worker-{workers}-{n}.log").open("ab")
                processes.append(
                    subprocess.Popen(
                        [*harness.FLASK, "alerts", "dispatch", "--loop", "--idle-seconds", "0.2"],
                        cwd=harness.ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            seen = 0
            while True:
                total = sink.total
                now = time.monotonic()
                if total and first_seen is None:
                    first_seen = now
                if total != seen:
                    seen, last_seen = total, now
                if total >= len(expected) and undelivered(sessions) == 0:
                    break
                if any(p.poll() is not None for p in processes):
                    raise harness.HarnessError("a worker exited early; see " + str(workdir))
                if now - start > TIMEOUT_SECONDS:
                    raise harness.HarnessError(f"not done after {TIMEOUT_SECONDS:.0f} s ({total} sent)")
                time.sleep(0.02)
            wall = time.monotonic() - start
        finally:
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        counts = dict(sink.counts)
    sending = (last_seen or start) - (first_seen or start)
    return {
        "workers": workers,
        "messages": sum(counts.values()),
        "duplicates": sum(n - 1 for n in counts.values()),
        "missing": len(expected - set(counts)),
        "wall": wall,
        "sending": sending,
        "rate": sum(counts.values()) / sending if sending else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--per-project", type=int, default=10)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to run (default 1,2)")
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    harness.install_signal_handlers()
    print("\n".join(harness.machine_facts(["postgresql"], args.pg_url)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, harness.postgresql_database(args.pg_url) as url:
        migrate.upgrade(url)
        app = create_app(overrides={"DATABASE_URL": url, "SECRET_KEY": "b" * 64}, env={})
        sessions = app.extensions["ugly_mugs.sessionmaker"]
        with sessions() as session:
            keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
            session.commit()
            addresses = many_recipients(session, args.projects, args.per_project)
        print(f"{args.projects} projects, {len(addresses)} email addresses")
        for workers in counts:
            with sessions() as session:
                started = time.monotonic()
                message = publish_message(session, ["holbeck"], "Silver car", "He threatens with a knife.")
                enqueue = time.monotonic() - started
            expected = {(a, f"<{message.message_id}@localhost>") for a in addresses}
            print(f"published one alert: {len(expected)} deliveries written in {enqueue:.2f} s; {workers} worker(s)")
            rows.append(run(sessions, url, workers, expected, Path(tmp)))
        app.extensions["ugly_mugs.engine"].dispose()
    columns = [
        harness.Column("workers", 7),
        harness.Column("messages", 8),
        harness.Column("dupl.", 5),
        harness.Column("missing", 7),
        harness.Column("wall s", 7, spec=".1f"),
        harness.Column("sending s", 9, spec=".1f"),
        harness.Column("msg/s", 7, spec=".0f"),
    ]
    print()
    print(
        harness.format_table(
            columns,
            [
                [r["workers"], r["messages"], r["duplicates"], r["missing"], r["wall"], r["sending"], r["rate"]]
                for r in rows
            ],
        )
    )
    one = next((r for r in rows if r["workers"] == 1), None)
    if one is not None:
        met = one["wall"] < TARGET_SECONDS and one["missing"] == 0
        print(f"\ntarget (all delivered in < {TARGET_SECONDS:.0f} s with one worker): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
