"""Retention with a moved clock (time-machine), and the lease that lets one worker run it.

Proves: with the default policy (reports not passed to police: 24 months; passed to police: 72;
unpublished drafts and case notes: 12; delivered outbox rows: 400 days), a run at each moment
erases exactly what is past its time and nothing else — through the one erasure, so a report's
receipt code then answers "deleted" and its key is gone from the key store — and a dry run at
the same moment lists exactly that and changes nothing; expired throttle counters, ended staff
sessions and old delivered outbox rows go, pending deliveries stay; each run leaves one audit
entry with counts only; ``retention run`` on the command line does the same; a period of 0 keeps
for ever. The lease: a second worker cannot take a job another holds until the lease runs out,
and a worker's tick runs retention once per interval however many workers tick; the alert
worker runs it between its rounds, and a job that fails never stops the worker.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.erasure import file, report_of, staff
from ugly_mugs.coordinator import alert_service, casework
from ugly_mugs.keys import keystore
from ugly_mugs.models import (
    Account,
    Alert,
    AuditEntry,
    CaseNote,
    Delivery,
    ReportSection,
    StaffSession,
    ThrottleWindow,
)
from ugly_mugs.ops import retention, scheduler
from ugly_mugs.police import release

T0 = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def months(n: int) -> datetime:
    return retention.months_before(T0, -n) + timedelta(hours=1)


def test_months_before_keeps_to_the_calendar():
    assert retention.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)
    assert retention.months_before(datetime(2024, 2, 29, tzinfo=UTC), -12) == datetime(2025, 2, 28, tzinfo=UTC)


def statuses_of(session, references) -> dict[str, str]:
    return {ref: report_of(session, ref).status for ref in references}


def receipt_answer(client, code: str) -> int:
    return client.post("/api/v1/receipt/status", json={"receipt_code": code}).status_code


def run(app, session, moment: datetime, dry_run: bool = False) -> retention.Outcome:
    with time_machine.travel(moment, tick=False):
        return retention.run(session, retention.Policy.from_config(app.config), dry_run=dry_run)


def test_retention_with_a_moved_clock_erases_exactly_what_the_policy_says(app, passphrase, db_session):
    client = app.test_client()
    with time_machine.travel(T0, tick=False):
        people = staff(app, passphrase)
        ann = db_session.get(Account, people.coordinator)
        pair = keystore.open_group_keys(db_session, passphrase)[keystore.scheme_key(db_session).id]
        plain = file(client, "Plain", "alert_only", photos=True)
        released = file(client, "Released", "full")
        report = report_of(db_session, released.reference)
        release.pass_on(db_session, report, ann, "A covering note")
        casework.add_note(db_session, report, ann, "An old note")
        alert_service.start(db_session, report, ann, pair, {})
        project = make_project(db_session, "Old project", areas=["holbeck"], emails=["a@example.org", "b@example.org"])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        old_delivery, waiting = db_session.scalars(select(Delivery).order_by(Delivery.id)).all()
        old_delivery.status, old_delivery.delivered_at = "delivered", T0
        db_session.add(ThrottleWindow(name="login:one-off", window_start=T0, expires_at=T0 + timedelta(hours=1)))
        db_session.add(
            StaffSession(id_hash="e" * 64, account_id=ann.id, stage="active", created_at=T0, last_seen_at=T0, data=b"")
        )
        db_session.commit()
    assert project.id

    with time_machine.travel(months(13), tick=False):
        recent = file(client, "Recent", "alert_only")
        casework.add_note(db_session, report_of(db_session, recent.reference), ann, "A newer note")
        db_session.add(
            ThrottleWindow(name="login:current", window_start=months(13), expires_at=months(13) + timedelta(hours=1))
        )
        db_session.commit()
    everyone = [plain.reference, released.reference, recent.reference]

    # 13 months on: only the old note and the old draft are past their 12 months, and the old
    # throttle counter and session; no report is due yet.
    at = months(13)
    planned = run(app, db_session, at, dry_run=True)
    assert planned.counts() == {
        "reports": 0,
        "released_reports": 0,
        "drafts": 1,
        "case_notes": 1,
        "throttle_rows": 1,
        # The two reports filed at T0 sent an Idempotency-Key: their records lapsed a day later.
        "idempotency_records": 2,
        "sessions": 1,
        "deliveries": 0,
        "reconciled": 0,
    }
    assert db_session.scalar(select(func.count()).select_from(CaseNote)) == 2, "a dry run changes nothing"
    done = run(app, db_session, at)
    assert done.counts() == planned.counts()
    assert [n.text for n in casework.notes(db_session, report_of(db_session, recent.reference), pair)] == [
        "A newer note"
    ]
    assert db_session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "draft")) == 0
    # (Filing through the API keeps counters of its own, in the current window.)
    assert db_session.scalars(select(ThrottleWindow.name).where(ThrottleWindow.name.like("login:%"))).all() == [
        "login:current"
    ]
    assert db_session.scalar(select(func.count()).select_from(StaffSession)) == 0
    assert statuses_of(db_session, everyone) == dict.fromkeys(everyone, "received") | {
        released.reference: "passed_to_police"
    }

    # 25 months: the report never passed to police is past its 24 months; the delivered outbox
    # row is past its 400 days, the pending one stays.
    at = months(25)
    planned = run(app, db_session, at, dry_run=True)
    assert planned.references == [plain.reference]
    assert (planned.reports, planned.released_reports, planned.deliveries) == (1, 0, 1)
    done = run(app, db_session, at)
    assert done.references == [plain.reference]
    assert statuses_of(db_session, everyone)[plain.reference] == "erased"
    # Its photos went with it.
    gone = report_of(db_session, plain.reference).id
    assert (
        db_session.scalar(select(func.count()).select_from(ReportSection).where(ReportSection.report_id == gone)) == 0
    )
    assert {r: s for r, s in statuses_of(db_session, everyone).items() if s == "erased"} == {plain.reference: "erased"}
    assert db_session.scalars(select(Delivery.id)).all() == [waiting.id]
    assert receipt_answer(client, plain.code) == 410
    assert receipt_answer(client, released.code) == 200 and receipt_answer(client, recent.code) == 200
    plain_id = report_of(db_session, plain.reference).id
    assert app.extensions["ugly_mugs.keystore"].lookup([plain_id]) == ({}, {plain_id})

    # 38 months: the recent report (filed at 13) is past its 24; the released one is not.
    planned = run(app, db_session, months(38), dry_run=True)
    assert planned.references == [recent.reference] and planned.released_reports == 0
    run(app, db_session, months(38))
    assert statuses_of(db_session, everyone)[released.reference] == "passed_to_police"

    # 73 months: the report passed to police is past its 72 as well.
    planned = run(app, db_session, months(73), dry_run=True)
    assert planned.references == [released.reference] and planned.released_reports == 1
    run(app, db_session, months(73))
    assert set(statuses_of(db_session, everyone).values()) == {"erased"}
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0
    assert receipt_answer(client, released.code) == 410

    # One audit entry per run (not per dry run), counts only: no report, no reference.
    db_session.expire_all()
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_run")).all()
    assert len(entries) == 4
    for entry in entries:
        assert entry.report_id is None and entry.actor_id is None
        assert set(entry.detail) == set(retention.Outcome().counts())
        assert all(isinstance(v, int) for v in entry.detail.values())


def test_a_period_of_zero_keeps_for_ever(app, passphrase, db_session):
    with time_machine.travel(T0, tick=False):
        kept = file(app.test_client(), "Forever", "alert_only")
    policy = replace(retention.Policy.from_config(app.config), report_months=0, released_months=0, casework_months=0)
    with time_machine.travel(months(600), tick=False):
        assert retention.run(db_session, policy).references == []
    assert report_of(db_session, kept.reference).status == "received"


def test_retention_on_the_command_line(app, passphrase, db_session, runner):
    with time_machine.travel(T0, tick=False):
        old = file(app.test_client(), "Cli", "alert_only")
    with time_machine.travel(months(30), tick=False):
        dry = runner.invoke(args=["retention", "run", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "would erase: reports 1," in dry.output and f"report {old.reference}" in dry.output
        assert report_of(db_session, old.reference).status == "received"
        done = runner.invoke(args=["retention", "run"])
        assert done.exit_code == 0, done.output
        assert "erased: reports 1," in done.output
    assert report_of(db_session, old.reference).status == "erased"


def test_a_job_is_held_by_one_worker_until_its_lease_runs_out(db_session):
    assert scheduler.lease(db_session, "retention", "worker-a", T0)
    assert not scheduler.lease(db_session, "retention", "worker-b", T0 + timedelta(minutes=5))
    assert scheduler.lease(db_session, "retention", "worker-a", T0 + timedelta(minutes=5)), "its holder keeps it"
    # worker-a died holding it: once the lease has run out, another worker takes it over.
    assert scheduler.lease(db_session, "retention", "worker-b", T0 + scheduler.LEASE + timedelta(minutes=6))
    scheduler.give_back(db_session, "retention", "worker-b")
    assert scheduler.lease(db_session, "retention", "worker-a", T0 + scheduler.LEASE + timedelta(minutes=7))


def test_workers_ticking_run_retention_once_per_interval(app, passphrase, db_session):
    sessions = app.extensions["ugly_mugs.sessionmaker"]
    with time_machine.travel(T0, tick=False):
        old = file(app.test_client(), "Ticked", "alert_only")
    later = months(30)
    assert scheduler.tick(sessions, app.config, "worker-a", later) == [scheduler.RETENTION_JOB]
    assert report_of(db_session, old.reference).status == "erased"
    # The other workers find it done for this interval; a worker holding the lease blocks them.
    assert scheduler.tick(sessions, app.config, "worker-b", later + timedelta(minutes=1)) == []
    next_day = later + timedelta(hours=app.config["RETENTION_INTERVAL_HOURS"], minutes=1)
    assert scheduler.lease(db_session, scheduler.RETENTION_JOB, "worker-c", next_day)
    assert scheduler.tick(sessions, app.config, "worker-b", next_day) == []
    scheduler.give_back(db_session, scheduler.RETENTION_JOB, "worker-c")
    assert scheduler.tick(sessions, app.config, "worker-b", next_day) == [scheduler.RETENTION_JOB]
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).where(AuditEntry.action == "retention_run")) == 2


def test_the_alert_worker_runs_retention_between_its_rounds(app, passphrase, db_session):
    with time_machine.travel(T0, tick=False):
        old = file(app.test_client(), "Worker", "alert_only")
    sessions = app.extensions["ugly_mugs.sessionmaker"]
    worker = Dispatcher(sessions, dispatch_settings(app.config))
    ticker = scheduler.Ticker(sessions, app.config, worker.worker_id, every=0)

    def between() -> None:
        ticker()
        worker.stop()

    with time_machine.travel(months(30), tick=False):
        worker.run_forever(idle_seconds=0.1, between=between)
    assert report_of(db_session, old.reference).status == "erased"


def test_a_failing_job_never_stops_the_worker(app, passphrase, db_session, caplog):
    broken = dict(app.config, RETENTION_INTERVAL_HOURS="not a number")
    ticker = scheduler.Ticker(app.extensions["ugly_mugs.sessionmaker"], broken, "worker-x", every=0)
    ticker()  # does not raise
    assert "a scheduled job failed: ValueError" in caplog.text
