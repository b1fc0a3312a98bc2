"""The app runs as a fleet (issue 19): two app hosts and two dispatch workers, each in a Linux
network namespace of its own, PostgreSQL reached only through PgBouncer in transaction mode.

Every process is started as the deploy kit's systemd units start it: the command of
``ExecStart`` in ``deploy/systemd/ugly-mugs-web.service`` and ``ugly-mugs-worker@.service``
(``ugly-mugs serve``, ``ugly-mugs alerts dispatch --loop``; the installed console command is this
checkout's ``ugly_mugs.ops.entry``), with the settings of an ``EnvironmentFile`` written as
deploy/CHECKLIST.md shows (production mode, keys in files, ``UGLY_MUGS_DATABASE_POOLED=true``,
one trusted proxy). The test plays the reverse proxy: it talks to both hosts at once and gives
each request a client address in ``X-Forwarded-For``. PgBouncer, an aiosmtpd sink and a
webhook receiver run in the root namespace on the bridge's address (``tests/support/netns.py``).

Against both hosts at once: a client's wrong receipt codes are limited in total; a flood of
wrong codes from many addresses leaves a right code working; filing is limited per client; a
load of 50 concurrent reporters for three minutes, during which one app host is SIGKILLed
(every process of its namespace) and started again and one worker is SIGKILLed (while an alert
is being sent out: published, its first messages arrived) and started
again, loses no acknowledged report and files nothing twice, and every alert published during
it reaches every project, and no project more than once more per killed worker (one SMTP
transaction, or one webhook call, can go again after a kill). The reporters send an
``Idempotency-Key`` with each filing; one whose answer is lost when its host dies is sent again
with the same key to the other host, as a partner app would, until it is answered. So every
filing ends acknowledged or refused, and "nothing twice" is exact: the reports stored are
exactly those acknowledged.

Runs as root, when PostgreSQL is configured (UGLY_MUGS_TEST_DATABASE_URL: the test makes and
drops two databases of its own beside it, named after it) and pgbouncer is installed. Marked
``fleet``; about five minutes (``UGLY_MUGS_FLEET_LOAD_SECONDS``, default 180, sets the load).
"""

from __future__ import annotations

import configparser
import http.client
import itertools
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.support import netns, pgbouncer
from tests.support.alerting import make_project, publish_message
from tests.support.app import TEST_DATABASE_URL, make_app, minimal_report
from tests.support.mailsink import HangingSink, Sink, smtp_server
from tests.support.source import ROOT
from tests.support.webhook_receiver import Receiver, self_signed_certificate, webhook_server
from ugly_mugs import migrate
from ugly_mugs.keys import keystore
from ugly_mugs.models import Delivery, Report

pytestmark = [
    pytest.mark.fleet,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (UGLY_MUGS_TEST_DATABASE_URL)"),
    pytest.mark.skipif(not netns.available(), reason="needs root and iproute2 (network namespaces)"),
    pytest.mark.skipif(not pgbouncer.available(), reason="pgbouncer is not installed (make pgbouncer)"),
]

UNITS = ROOT / "deploy" / "systemd"
VENV_COMMAND = "/opt/ugly-mugs/venv/bin/ugly-mugs"
# The console command of an installed package, run from this checkout.
UGLY_MUGS = [sys.executable, "-c", "from ugly_mugs.ops.entry import main; main()"]
APP_PORT = 8000
HOSTS = ("app1", "app2")
WORKERS = ("worker1", "worker2")
LOAD_SECONDS = int(os.environ.get("UGLY_MUGS_FLEET_LOAD_SECONDS", "180"))
REPORTERS = 50
START_TIMEOUT = 60
REQUEST_TIMEOUT = 60
DRAIN_TIMEOUT = 90
RETRY_SECONDS = 60  # how long a filing whose answer was lost is sent again before the test fails
SMTP_MAX_RECIPIENTS = 50  # the default: the fleet's environment file does not set it
WRONG = "AAAA-AAAA-AAAA-AAAA-AAAA"
EMAIL_PROJECTS = 20
# Each message takes the sink this long, so a fanout lasts long enough for a kill to land in it.
SMTP_PAUSE = 0.25
WEBHOOK_PROJECTS = 5
WEBHOOK_SECRET = "fleet-" + secrets.token_hex(16)
# Small enough to be reached by a few requests, large enough not to stop the load.
LIMITS = {
    "RECEIPT_CLIENT_FAILURES": "10",
    "RECEIPT_GLOBAL_FAILURES": "60",
    "RECEIPT_CLIENT_FAILURES_UNDER_LOAD": "2",
    "FILING_CLIENT_LIMIT": "5",
    "FILING_GLOBAL_LIMIT": "100000",
    # A killed worker's leases run out soon, so the other worker takes its deliveries over.
    "DELIVERY_LEASE_SECONDS": "5",
}


def unit(name: str) -> tuple[list[str], str]:
    """(the command, the environment file) of a deploy kit unit, the command made runnable here."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / name)
    command = shlex.split(parser["Service"]["ExecStart"])
    assert command[0] == VENV_COMMAND, name
    return UGLY_MUGS + command[1:], parser["Service"]["EnvironmentFile"]


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def wait_for(condition, timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs if p.exists())
            said = what() if callable(what) else what  # the state at the deadline
            raise AssertionError(f"timed out waiting for {said}\n{tails}")
        time.sleep(0.1)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict


def call(address: str, method: str, path: str, payload=None, client: str = "192.0.2.1", headers=None) -> Answer:
    """One request to a host, as the reverse proxy forwards it; raises OSError if the host is down."""
    connection = http.client.HTTPConnection(address, APP_PORT, timeout=REQUEST_TIMEOUT)
    try:
        body = json.dumps(payload).encode() if payload is not None else None
        sent = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {}
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, parsed)
    finally:
        connection.close()


@dataclass
class Fleet:
    net: netns.Network
    workdir: Path
    database_url: str  # direct, for the test's own reads
    setup_app: object
    sink: Sink
    receiver: Receiver
    webhook_urls: list[str]
    email_addresses: list[str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def address(self, host: str) -> str:
        return self.net.address[host]

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def start(self, name: str) -> None:
        command, _ = unit("ugly-mugs-web.service" if name in HOSTS else "ugly-mugs-worker@.service")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "PYTHONUNBUFFERED": "1",
            **read_environment_file(self.workdir / f"{name}.env"),
        }
        with self.log(name).open("ab") as out:
            self.processes[name] = self.net.popen(
                name, command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT
            )

    def healthy(self, host: str) -> bool:
        try:
            return call(self.address(host), "GET", "/healthz").status == 200
        except OSError:
            return False

    def wait_healthy(self, host: str) -> None:
        wait_for(lambda: self.healthy(host), START_TIMEOUT, f"{host} to answer", [self.log(host)])

    def kill(self, name: str) -> int:
        """The machine loses power: SIGKILL to every process of its namespace."""
        killed = self.net.kill_all(name)
        process = self.processes.pop(name, None)
        if process is not None:
            process.wait(timeout=10)
        return killed

    def pending(self) -> int:
        with self.setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
            return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "delivered"))

    def delivery_states(self) -> dict[str, int]:
        with self.setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
            return dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())

    def reports(self) -> int:
        with self.setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
            return session.scalar(select(func.count()).select_from(Report))


@pytest.fixture(scope="module")
def databases():
    """The fleet's main database and its erasure key store's, both new, dropped afterwards."""
    server = make_url(TEST_DATABASE_URL)
    stem = f"{server.database}_fleet_{secrets.token_hex(4)}"
    names = [stem, stem + "_keys"]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls = [server.set(database=n).render_as_string(hide_password=False) for n in names]
        migrate.upgrade(urls[0])
        yield urls
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _write_keys(workdir: Path) -> dict[str, str]:
    paths = {}
    for name in ("secret_key", "matching_key", "delivery_key", "audit_key"):
        path = workdir / name
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
        paths[name] = str(path)
    return paths


@pytest.fixture(scope="module")
def fleet(databases):
    main_url, keys_url = databases
    # A directory of its own (not pytest's, which other runs on this machine rotate away).
    workdir = Path(tempfile.mkdtemp(prefix="um-fleet-"))
    keys = _write_keys(workdir)
    started = time.monotonic()
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, True)
        net = stack.enter_context(netns.network([*HOSTS, *WORKERS]))
        bouncer_host, bouncer_port = stack.enter_context(
            pgbouncer.running_pgbouncer(main_url, pool_size=8, listen=net.gateway, max_clients=400)
        )
        sink, smtp_port = stack.enter_context(smtp_server(HangingSink(pause=SMTP_PAUSE), host=net.gateway))
        receiver = Receiver(WEBHOOK_SECRET)
        # Production mode sends webhooks over HTTPS only: a certificate of the receiver's own CA.
        certificate = self_signed_certificate(net.gateway, workdir)
        webhook_base = stack.enter_context(webhook_server(receiver, host=net.gateway, tls=certificate))
        pooled_main = pgbouncer.through(main_url, bouncer_host, bouncer_port)
        pooled_keys = pgbouncer.through(keys_url, bouncer_host, bouncer_port)
        (workdir / "database_url").write_text(pooled_main)
        (workdir / "keystore_url").write_text(pooled_keys)

        # The installation: its key store, areas and projects, made once from here, directly.
        key_bytes = {n: bytes.fromhex(Path(p).read_text().strip()) for n, p in keys.items()}
        setup_app = make_app(
            main_url,
            KEYSTORE_URL=keys_url,
            SECRET_KEY=key_bytes["secret_key"].hex(),
            MATCHING_KEY=key_bytes["matching_key"],
            DELIVERY_KEY=key_bytes["delivery_key"],
            AUDIT_KEY=key_bytes["audit_key"],
        )
        stack.callback(setup_app.extensions["ugly_mugs.engine"].dispose)
        emails = [f"drop-in{i}@fleet.example" for i in range(EMAIL_PROJECTS)]
        hooks = [f"{webhook_base.rstrip('/')}/project{i}" for i in range(WEBHOOK_PROJECTS)]
        with setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
            keystore.set_up(session, setup_app.config["AREAS"], setup_app.config["POLICE_UNITS"])
            for i, address in enumerate(emails):
                make_project(session, f"Mail project {i}", areas=["holbeck"], emails=[address])
            for i, url in enumerate(hooks):
                make_project(session, f"Hook project {i}", areas=["holbeck"], webhooks=[(url, WEBHOOK_SECRET)])
            session.commit()

        # /etc/ugly-mugs/env of each machine, as deploy/CHECKLIST.md shows it.
        for name in (*HOSTS, *WORKERS):
            lines = [
                "UGLY_MUGS_ENV=production",
                f"UGLY_MUGS_SECRET_KEY_FILE={keys['secret_key']}",
                f"UGLY_MUGS_MATCHING_KEY_FILE={keys['matching_key']}",
                f"UGLY_MUGS_DELIVERY_KEY_FILE={keys['delivery_key']}",
                f"UGLY_MUGS_AUDIT_KEY_FILE={keys['audit_key']}",
                f"UGLY_MUGS_AUDIT_CHECKPOINT_FILE={workdir / 'checkpoints'}",
                f"UGLY_MUGS_DATABASE_URL_FILE={workdir / 'database_url'}",
                f"UGLY_MUGS_KEYSTORE_URL_FILE={workdir / 'keystore_url'}",
                "UGLY_MUGS_TRUSTED_PROXIES=1",
                f"UGLY_MUGS_BIND={net.address[name]}:{APP_PORT}",
                "UGLY_MUGS_WORKERS=2",
                f"UGLY_MUGS_SMTP_URL=smtp://{net.gateway}:{smtp_port}",
                "UGLY_MUGS_DATABASE_POOLED=true",
                f"UGLY_MUGS_WEBHOOK_ALLOWED_PRIVATE_HOSTS={net.gateway}",
                f"UGLY_MUGS_WEBHOOK_CA_FILE={certificate[0]}",
                *(f"UGLY_MUGS_{k}={v}" for k, v in LIMITS.items()),
            ]
            (workdir / f"{name}.env").write_text("\n".join(lines) + "\n")

        running = Fleet(net, workdir, main_url, setup_app, sink, receiver, hooks, emails)
        for name in (*HOSTS, *WORKERS):
            running.start(name)
        for host in HOSTS:
            running.wait_healthy(host)
        running.started_in = time.monotonic() - started
        yield running
        # Leaving the ExitStack kills every process of the namespaces, then stops the receivers
        # and PgBouncer; the databases go after.


def test_a_clients_wrong_receipt_codes_are_limited_in_total_across_both_hosts(fleet):
    one, two = (fleet.address(h) for h in HOSTS)
    statuses = [
        call(one if n % 2 else two, "POST", "/api/v1/receipt/status", {"receipt_code": WRONG}, "203.0.113.7").status
        for n in range(10)
    ]
    assert statuses == [404] * 10
    for address in (one, two):
        refused = call(address, "POST", "/api/v1/receipt/status", {"receipt_code": WRONG}, "203.0.113.7")
        assert refused.status == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 900
    # Another client is not affected.
    assert call(two, "POST", "/api/v1/receipt/status", {"receipt_code": WRONG}, "203.0.113.8").status == 404


def test_a_flood_of_wrong_codes_from_many_addresses_leaves_a_right_code_working(fleet):
    one, two = (fleet.address(h) for h in HOSTS)
    filed = call(one, "POST", "/api/v1/reports", minimal_report(), "198.18.0.1", {"Idempotency-Key": str(uuid.uuid4())})
    assert filed.status == 201, filed.body
    code = filed.body["receipt_code"]
    flood = [
        call(
            one if n % 2 else two, "POST", "/api/v1/receipt/status", {"receipt_code": WRONG}, f"198.51.100.{n % 50 + 1}"
        ).status
        for n in range(150)
    ]
    assert 429 in flood and flood.count(404) >= 50
    for n, address in enumerate((one, two)):
        right = call(address, "POST", "/api/v1/receipt/status", {"receipt_code": code}, f"192.0.2.{60 + n}")
        assert right.status == 200 and right.body["reference"] == filed.body["reference"]


def test_filing_is_limited_per_client_across_both_hosts(fleet):
    one, two = (fleet.address(h) for h in HOSTS)
    statuses = [
        call(
            one if n % 2 else two,
            "POST",
            "/api/v1/reports",
            minimal_report(),
            "203.0.113.50",
            {"Idempotency-Key": str(uuid.uuid4())},
        ).status
        for n in range(5)
    ]
    assert statuses == [201] * 5
    for address in (one, two):
        refused = call(
            address, "POST", "/api/v1/reports", minimal_report(), "203.0.113.50", {"Idempotency-Key": str(uuid.uuid4())}
        )
        assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1


@dataclass
class Load:
    acknowledged: list[str] = field(default_factory=list)
    lost_answers: int = 0  # sent, but no answer came (the host died): sent again with the same key
    retried_answers: Counter = field(default_factory=Counter)  # what the retries got, by status
    refused: Counter = field(default_factory=Counter)  # answered, not 201: nothing stored
    lock: threading.Lock = field(default_factory=threading.Lock)


def test_fifty_reporters_for_three_minutes_with_a_host_and_a_worker_killed(fleet):
    began = time.monotonic()
    before = fleet.reports()
    load = Load()
    stop = threading.Event()
    numbers = itertools.count(1)
    down: set[str] = set()

    def send_again(host: str, report: dict, client: str, key: dict) -> Answer:
        """The same filing with the same Idempotency-Key, to the other host, until it is answered
        (409 while the first attempt is still held: wait and send again); bounded in time."""
        other = HOSTS[(HOSTS.index(host) + 1) % 2]
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                answer = call(fleet.address(other), "POST", "/api/v1/reports", report, client, key)
            except OSError:
                answer = None
            if answer is not None and answer.status != 409:
                return answer
            assert time.monotonic() < deadline, "a filing sent again with its key got no answer"
            time.sleep(0.25)

    def reporter(r: int) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            host = HOSTS[(r + n) % 2]
            if host in down:
                host = HOSTS[(r + n + 1) % 2]  # the proxy sends her to the host that is up
            # Every filing from a new address, as from many reporters: the per-client limit is
            # proven above; here the load itself is under test.
            k = next(numbers)
            client = f"100.{64 + (k >> 16) % 64}.{(k >> 8) & 255}.{k & 255}"
            # His number: one of a few hundred, so reports link and the index is written.
            report = minimal_report(what_happened=f"He hit me ({r}/{n}).", phone_numbers=[f"07700 900{k % 300:03d}"])
            key = {"Idempotency-Key": str(uuid.uuid4())}
            try:
                answer = call(fleet.address(host), "POST", "/api/v1/reports", report, client, key)
            except ConnectionRefusedError:
                with load.lock:
                    load.refused["refused connection"] += 1
                stop.wait(0.2)
                continue
            except OSError:
                with load.lock:
                    load.lost_answers += 1
                answer = send_again(host, report, client, key)
                with load.lock:
                    load.retried_answers[answer.status] += 1
            with load.lock:
                if answer.status == 201:
                    load.acknowledged.append(answer.body["reference"])
                else:
                    load.refused[answer.status] += 1

    threads = [threading.Thread(target=reporter, args=(r,), daemon=True) for r in range(REPORTERS)]
    for t in threads:
        t.start()
    published: list[str] = []
    killed_workers = 0
    in_flight_at_kill = 0

    def publish() -> None:
        with fleet.setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
            message = publish_message(session, ["holbeck"], f"Fleet alert {len(published)}", "He is back.")
            published.append(message.message_id)

    events = {
        "kill app1": LOAD_SECONDS * 0.25,
        "start app1": LOAD_SECONDS * 0.35,
        "kill worker1": LOAD_SECONDS * 0.5,
        "start worker1": LOAD_SECONDS * 0.55,
    }
    next_alert = 5.0
    load_start = time.monotonic()
    try:
        while (elapsed := time.monotonic() - load_start) < LOAD_SECONDS:
            for event, at in list(events.items()):
                if elapsed >= at:
                    del events[event]
                    action, name = event.split()
                    if action == "kill":
                        if name in HOSTS:
                            down.add(name)
                        else:
                            # Into a fanout: an alert just published, its first messages arriving.
                            sent = fleet.sink.total
                            publish()
                            wait_for(lambda s=sent: fleet.sink.total > s, 20, "the fanout to start", [])
                            in_flight_at_kill = fleet.pending()
                        assert fleet.kill(name) >= 1
                        killed_workers += name in WORKERS
                    else:
                        fleet.start(name)
                        if name in HOSTS:
                            fleet.wait_healthy(name)
                            down.discard(name)
            if elapsed >= next_alert and elapsed < LOAD_SECONDS - 10:
                next_alert += 15
                publish()
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=REQUEST_TIMEOUT + RETRY_SECONDS + 5)
    load_seconds = time.monotonic() - load_start
    assert not any(t.is_alive() for t in threads)
    assert events == {}

    # No acknowledged report lost; nothing filed twice.
    stored = fleet.reports() - before
    acknowledged = set(load.acknowledged)
    assert len(acknowledged) == len(load.acknowledged), "one reference acknowledged twice"
    with fleet.setup_app.extensions["ugly_mugs.sessionmaker"]() as session:
        found = set()
        references = sorted(acknowledged)
        for start in range(0, len(references), 1000):
            chunk = references[start : start + 1000]
            found |= set(session.scalars(select(Report.reference).where(Report.reference.in_(chunk))))
    assert found == acknowledged, f"{len(acknowledged - found)} acknowledged reports are missing"
    # Filings whose answer was lost were sent again with their key: each is stored once, or not.
    assert stored == len(acknowledged)
    assert len(acknowledged) >= REPORTERS  # the load really ran

    # Every alert reached every project.
    logs = [fleet.log(w) for w in WORKERS]
    wait_for(
        lambda: fleet.pending() == 0,
        DRAIN_TIMEOUT,
        lambda: (
            f"every delivery to be made (now {fleet.delivery_states()}, mail {fleet.sink.total}, "
            f"webhooks {len(fleet.receiver.requests)})"
        ),
        logs,
    )
    expected = {(a, m) for a in fleet.email_addresses for m in published} | {
        (u.rsplit("/", 1)[1], m) for u in fleet.webhook_urls for m in published
    }
    wait_for(
        lambda: fleet.sink.total + len(fleet.receiver.requests) >= len(expected), 10, "the receivers to count", logs
    )
    got: Counter = Counter()
    with fleet.sink.lock:
        for (rcpt, header), n in fleet.sink.counts.items():
            got[(rcpt, header.strip("<>").split("@")[0])] += n
    with fleet.receiver.lock:
        for request in fleet.receiver.requests:
            assert request["verified"] and request["standard_verified"]
            got[(request["path"].rsplit("/", 1)[1], request["json"]["message_id"])] += 1
    assert set(got) == expected
    # A worker killed after a mail server took a transaction and before its mark committed sends
    # that transaction again: nobody gets an alert more than once more per killed worker, and
    # per kill at most one transaction's recipients (or one webhook call) get it twice.
    duplicates = sum(n - 1 for n in got.values())
    assert max(got.values()) <= 1 + killed_workers
    assert duplicates <= killed_workers * SMTP_MAX_RECIPIENTS

    # Nothing in any process's log names a client address.
    for name in (*HOSTS, *WORKERS):
        text_of_log = fleet.log(name).read_text(errors="replace")
        assert "100.64." not in text_of_log and "203.0.113." not in text_of_log and "198.51.100." not in text_of_log

    figures = {
        "fleet started in s": round(fleet.started_in, 1),
        "load s": round(load_seconds, 1),
        "test s": round(time.monotonic() - began, 1),
        "acknowledged": len(acknowledged),
        "stored": stored,
        "answers lost in the kill": load.lost_answers,
        "what their retries got": dict(load.retried_answers),
        "refused": dict(load.refused),
        "alerts published": len(published),
        "deliveries expected": len(expected),
        "deliveries received": sum(got.values()),
        "duplicates": duplicates,
        "workers killed": killed_workers,
        "deliveries pending at the worker kill": in_flight_at_kill,
    }
    print("fleet figures:", json.dumps(figures))
    (fleet.workdir / "figures.json").write_text(json.dumps(figures))
