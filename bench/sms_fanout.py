"""Benchmark: one alert to 10,000 text-message subscribers through real Kannel with a fake SMSC.

On a throwaway PostgreSQL database (``bench_sms_<random>`` on 127.0.0.1, dropped at the end)
migrated with the real migrations, it stores 10,000 confirmed subscribers in one area (each
number sealed to a fresh dispatch key pair, as signing up stores it), starts Kannel (Debian's
bearerbox and smsbox, with ``fakesmsc`` as the phone network, as the tests do), publishes one
alert (10,000 outbox rows, written as publishing writes them) and runs the real worker, ``flask
--app wsgi alerts dispatch --loop``, as one and then as two processes. For each run it prints the
time from publishing until the last delivery is marked delivered, i.e. accepted by Kannel's
sendsms (the workers' start-up included), the sending rate, and checks that nothing is missing
or failed.

**Baseline.** First, in the same run, a plain sender does the same job with nothing of the worker
around it: one process (``--baseline-sender``) reads the pending deliveries and their sealed
numbers in one query, opens each seal, sends the same rendered text to sendsms with the same
client, and marks each row delivered with one ``UPDATE`` and commit: no leases, no claims, no
lanes, no heartbeat. Every worker run is printed as a ratio to it (``x base``).

It prints the 1-minute load average sampled while each run ran and ends with one ``summary:``
line. It reports; it is not a test.

    .venv/bin/python -m bench.sms_fanout                    # 10,000 subscribers, 1 and 2 workers
    .venv/bin/python -m bench.sms_fanout --subscribers 1000 --workers 1

Only 127.0.0.1 is contacted. Every process started is stopped, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from alerts.delivery import render
from alerts.delivery.sms import text as sms_text
from alerts.delivery.sms.kannel import KannelGateway, KannelSettings
from alerts.delivery.wording import wording
from bench import harness
from tests.support.alerting import publish_message
from tests.support.kannel import inbound_receiver, missing, running_kannel
from tests.support.subscribers import many_subscribers
from ugly_mugs import create_app, migrate
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Alert, AlertMessage, Delivery, Subscription
from ugly_mugs.subscriptions import service as subs

TIMEOUT_SECONDS = 900.0
PUBLIC_URL = "https://alerts.example.org"


def undelivered(sessions) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status != "delivered", Delivery.subscription_id.is_not(None))
        )


def failed(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "failed"))


def baseline_sender(database_url: str) -> None:
    """The plain sender (see the module); runs in its own process with the workers' environment."""
    env = os.environ
    pair = sealing.key_pair_from_private(bytes.fromhex(env["UGLY_MUGS_DISPATCH_PRIVATE_KEY"]))
    gateway = KannelGateway(
        KannelSettings(
            sendsms_url=env["UGLY_MUGS_KANNEL_SENDSMS_URL"],
            username=env["UGLY_MUGS_KANNEL_USERNAME"],
            password=env["UGLY_MUGS_KANNEL_PASSWORD"],
            sender="UglyMugs",
        )
    )
    engine = create_engine(database_url)
    table = Delivery.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(Delivery.id, Delivery.message_id, Subscription.public_id, Subscription.contact_sealed)
            .join(Subscription, Subscription.id == Delivery.subscription_id)
            .where(Delivery.status == "pending")
            .order_by(Delivery.id)
        ).all()
        with Session(engine) as session:
            message, reference = session.execute(
                select(AlertMessage, Alert.reference)
                .join(Alert, Alert.id == AlertMessage.alert_id)
                .where(AlertMessage.id == rows[0].message_id)
            ).one()
            published = render.Published.of(message, reference)
        text = sms_text.render(published, wording("en"), f"{PUBLIC_URL}/a/{'x' * 22}").text
        for row in rows:
            number = sealing.unseal(pair, row.contact_sealed, subs.contact_context(row.public_id)).decode()
            gateway.send(number, text, f"b{row.id}")
            conn.execute(update(table).where(table.c.id == row.id).values(status="delivered", delivered_at=func.now()))
            conn.commit()
    engine.dispose()


def run(sessions, workers: int, env: dict[str, str], workdir: Path, expected: int, baseline: bool = False) -> dict:
    """Start ``workers`` real workers (or the plain sender) and time them until every delivery is marked."""
    if baseline:
        command = [sys.executable, "-m", "bench.sms_fanout", "--baseline-sender"]
    else:
        command = [*harness.FLASK, "alerts", "dispatch", "--loop", "--idle-seconds", "0.2"]
    processes: list[subprocess.Popen] = []
    loads: list[float] = []
    next_load = 0.0
    start = time.monotonic()
    try:
        for n in range(workers):
            log = (workdir / f"sms-worker-{workers}-{n}.log").open("ab")
            processes.append(
                subprocess.Popen(
                    command, cwd=harness.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        while True:
            now = time.monotonic()
            if now >= next_load:
                loads.append(os.getloadavg()[0])
                next_load = now + 1.0
            if undelivered(sessions) == 0:
                break
            if any(p.poll() is not None and (not baseline or p.returncode) for p in processes):
                tail = (workdir / f"sms-worker-{workers}-0.log").read_text(errors="replace")[-2000:]
                raise harness.HarnessError(f"a worker exited early:\n{tail}")
            if now - start > TIMEOUT_SECONDS:
                raise harness.HarnessError(f"not done after {TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.05)
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
    return {
        "workers": workers,
        "texts": expected,
        "failed": failed(sessions),
        "wall": wall,
        "rate": expected / wall if wall else float("nan"),
        "load": sum(loads) / len(loads) if loads else float("nan"),
        "load_max": max(loads) if loads else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to run (default 1,2)")
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG_URL)
    parser.add_argument("--baseline-sender", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_sender:
        baseline_sender(os.environ["UGLY_MUGS_DATABASE_URL"])
        return 0
    reason = missing()
    if reason:
        raise harness.HarnessError(f"Kannel is needed: {reason}")
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    harness.install_signal_handlers()
    print("\n".join(harness.machine_facts(["postgresql"], args.pg_url)))
    pair = sealing.generate_key_pair()
    secret_key, subscriber_key = secrets.token_hex(32), secrets.token_hex(32)
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.postgresql_database(args.pg_url, prefix="bench_sms") as url,
        inbound_receiver() as (mo_url, _recorder),
    ):
        (Path(tmp) / "kannel").mkdir()
        with running_kannel(Path(tmp) / "kannel", mo_url + "/mo") as k:
            migrate.upgrade(url)
            keys = {
                "UGLY_MUGS_SUBSCRIPTIONS": "true",
                "UGLY_MUGS_DISPATCH_PUBLIC_KEY": pair.public.hex(),
                "UGLY_MUGS_DISPATCH_PRIVATE_KEY": pair.private.hex(),
                "UGLY_MUGS_SUBSCRIBER_KEY": subscriber_key,
                "UGLY_MUGS_PUBLIC_URL": PUBLIC_URL,
                "UGLY_MUGS_KANNEL_SENDSMS_URL": k.sendsms_url,
                "UGLY_MUGS_KANNEL_USERNAME": k.username,
                "UGLY_MUGS_KANNEL_PASSWORD": k.password,
                "UGLY_MUGS_LOG_LEVEL": "warning",
            }
            env = {**harness.app_environment(url, secret_key), **keys}
            app = create_app(
                overrides={
                    "DATABASE_URL": url,
                    "SECRET_KEY": secret_key,
                    "DISPATCH_PUBLIC_KEY": pair.public,
                    "DISPATCH_PRIVATE_KEY": pair.private,
                    "SUBSCRIBER_KEY": bytes.fromhex(subscriber_key),
                },
                env={},
            )
            sessions = app.extensions["ugly_mugs.sessionmaker"]
            with sessions() as session:
                keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
                session.commit()
                made = time.monotonic()
                many_subscribers(session, args.subscribers)
                print(f"{args.subscribers} subscribers stored (sealed) in {time.monotonic() - made:.1f} s")

            def publish_and_run(workers: int, label: str, baseline: bool = False) -> None:
                with sessions() as session:
                    started = time.monotonic()
                    publish_message(session, ["holbeck"], "Silver car, reg KR 12345", "He threatens with a knife.")
                    enqueue = time.monotonic() - started
                queued = f"{args.subscribers} texts queued in {enqueue:.2f} s"
                print(f"{label}: one alert published, {queued}; {workers} worker(s)")
                rows.append({"run": label, **run(sessions, workers, env, Path(tmp), args.subscribers, baseline)})

            publish_and_run(1, "baseline", baseline=True)
            for workers in counts:
                publish_and_run(workers, "worker")
            on_phone = len(k.sent_messages())
            app.extensions["ugly_mugs.engine"].dispose()
    base = next(r["wall"] for r in rows if r["run"] == "baseline")
    for r in rows:
        r["x_base"] = r["wall"] / base
    columns = [
        harness.Column("run", 8),
        harness.Column("workers", 7),
        harness.Column("texts", 6),
        harness.Column("failed", 6),
        harness.Column("wall s", 7, spec=".1f"),
        harness.Column("x base", 6, spec=".2f"),
        harness.Column("texts/s", 7, spec=".0f"),
        harness.Column("load", 5, spec=".1f"),
        harness.Column("load max", 8, spec=".1f"),
    ]
    print()
    print(
        harness.format_table(
            columns,
            [
                [
                    r["run"],
                    r["workers"],
                    r["texts"],
                    r["failed"],
                    r["wall"],
                    r["x_base"],
                    r["rate"],
                    r["load"],
                    r["load_max"],
                ]
                for r in rows
            ],
        )
    )
    print(f"texts on the fake phone at the end: {on_phone} (of {args.subscribers * len(rows)} sent)")
    print(f"{harness.load_average()} at the end")
    runs = ", ".join(
        f"{r['workers']} worker(s) {r['wall']:.1f} s (x{r['x_base']:.2f})" for r in rows if r["run"] == "worker"
    )
    loads = [r["load"] for r in rows if not math.isnan(r["load"])]
    print(
        f"summary: sms fanout {args.subscribers} subscribers through Kannel: {runs}; plain sender {base:.1f} s; "
        f"failed {sum(r['failed'] for r in rows)}; "
        f"load average {min(loads, default=float('nan')):.1f}-{max(loads, default=float('nan')):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
