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

Then it adds one poisoned destination among the projects — an https webhook whose server (on
127.0.0.1) accepts the connection and never answers, so every attempt runs into the webhook
deadline — publishes again and runs the same workers: the 10,000 healthy deliveries must finish
within 10% of the clean run (issue 14). It prints the poisoned run's wall time as a ratio to the
clean run's beside it.

It reports; it is not a test. The exit status is non-zero only when the harness fails.

    .venv/bin/python -m bench.fanout                         # 10,000 addresses, 1 and 2 workers
    .venv/bin/python -m bench.fanout --projects 100 --per-project 10 --workers 1
    .venv/bin/python -m bench.fanout --no-poison              # the clean runs only

Only 127.0.0.1 is contacted. Every worker started is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench import harness
from tests.support.alerting import many_recipients, publish_message
from tests.support.mailsink import Sink, smtp_server
from tests.support.webhook_receiver import silent_server
from ugly_mugs import create_app, migrate
from ugly_mugs.keys import channel_secrets, keystore
from ugly_mugs.models import Delivery, Project, ProjectChannel

TARGET_SECONDS = 60.0
TIMEOUT_SECONDS = 600.0
# The poisoned run may take at most this much longer than the clean one (issue 14).
POISON_TARGET_RATIO = 1.10


def worker_env(database_url: str, smtp_port: int) -> dict[str, str]:
    env = harness.app_environment(database_url)
    env["UGLY_MUGS_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    env["UGLY_MUGS_LOG_LEVEL"] = "warning"
    # The poisoned destination's server runs on this machine, as a closed network's would.
    env["UGLY_MUGS_WEBHOOK_ALLOWED_PRIVATE_HOSTS"] = "127.0.0.1"
    return env


def undelivered(sessions) -> int:
    """Email deliveries not yet delivered (the healthy ones; a poisoned webhook never is)."""
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status != "delivered", Delivery.kind == "email")
        )


def poison(sessions, port: int, delivery_key: bytes) -> int:
    """Give the first project a webhook on ``port`` of 127.0.0.1 (the silent server), switched
    off until a poisoned run switches it on; returns its id."""
    with sessions() as session:
        project_id = session.scalar(select(Project.id).order_by(Project.id).limit(1))
        channel = ProjectChannel(
            project_id=project_id, kind="webhook", target=f"https://127.0.0.1:{port}/hook", active=False
        )
        session.add(channel)
        session.flush()
        channel.secret_sealed = channel_secrets.seal(delivery_key, channel.id, "bench-secret")
        session.commit()
        return channel.id


def switch(sessions, channel_id: int, active: bool) -> None:
    with sessions() as session:
        session.get(ProjectChannel, channel_id).active = active
        session.commit()


def vacuum(url: str) -> None:
    """Clear the dead rows earlier runs left, so that every run starts from the same state."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE delivery"))
    engine.dispose()


def run(
    sessions, database_url: str, workers: int, expected: set[tuple[str, str]], workdir: Path, env_extra=None
) -> dict:
    sink = Sink(keep=False)
    first_seen = last_seen = None
    processes: list[subprocess.Popen] = []
    with smtp_server(sink) as (_, port):
        env = {**worker_env(database_url, port), **(env_extra or {})}
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
    parser.add_argument(
        "--no-poison", dest="poison", action="store_false", help="skip the runs with a poisoned destination"
    )
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
        # The workers seal and open with this key; the poisoned webhook's secret is sealed with it.
        delivery_key = secrets.token_bytes(32)
        extra = {"UGLY_MUGS_DELIVERY_KEY": delivery_key.hex()}

        def publish_and_run(workers: int, label: str) -> None:
            vacuum(url)
            with sessions() as session:
                started = time.monotonic()
                message = publish_message(session, ["holbeck"], "Silver car", "He threatens with a knife.")
                enqueue = time.monotonic() - started
            expected = {(a, f"<{message.message_id}@localhost>") for a in addresses}
            print(
                f"{label}: published one alert, {len(expected)} emails written in {enqueue:.2f} s; {workers} worker(s)"
            )
            rows.append({"run": label, **run(sessions, url, workers, expected, Path(tmp), extra)})

        # Each poisoned run right after its clean run, from the same state, so that the two compare.
        with silent_server() as server:
            poisoned = poison(sessions, server.port, delivery_key) if args.poison else None
            for workers in counts:
                publish_and_run(workers, "clean")
                if poisoned is not None:
                    switch(sessions, poisoned, True)
                    publish_and_run(workers, "poisoned")
                    switch(sessions, poisoned, False)
        app.extensions["ugly_mugs.engine"].dispose()
    clean = {r["workers"]: r["wall"] for r in rows if r["run"] == "clean"}
    for r in rows:
        r["ratio"] = r["wall"] / clean[r["workers"]] if clean.get(r["workers"]) else float("nan")
    columns = [
        harness.Column("run", 8),
        harness.Column("workers", 7),
        harness.Column("messages", 8),
        harness.Column("dupl.", 5),
        harness.Column("missing", 7),
        harness.Column("wall s", 7, spec=".1f"),
        harness.Column("x clean", 7, spec=".2f"),
        harness.Column("sending s", 9, spec=".1f"),
        harness.Column("msg/s", 7, spec=".0f"),
    ]
    print()
    print(
        harness.format_table(
            columns,
            [
                [
                    r["run"],
                    r["workers"],
                    r["messages"],
                    r["duplicates"],
                    r["missing"],
                    r["wall"],
                    r["ratio"],
                    r["sending"],
                    r["rate"],
                ]
                for r in rows
            ],
        )
    )
    for r in rows:
        if r["run"] == "poisoned":
            met = r["ratio"] <= POISON_TARGET_RATIO and r["missing"] == 0
            print(
                f"target (with one poisoned destination, {r['workers']} worker(s): the healthy deliveries within "
                f"{(POISON_TARGET_RATIO - 1) * 100:.0f}% of the clean run): {'met' if met else 'NOT met'}"
            )
    one = next((r for r in rows if r["workers"] == 1 and r["run"] == "clean"), None)
    if one is not None:
        met = one["wall"] < TARGET_SECONDS and one["missing"] == 0
        print(f"\ntarget (all delivered in < {TARGET_SECONDS:.0f} s with one worker): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
