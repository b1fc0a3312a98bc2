"""The tamper-evident audit log (P5): logins, failed logins, key unlocks, account changes,
consent changes made with a receipt code and staff report filing are each recorded with who
did them and never any content (no report text, receipt code, password or address); a
reporter's own filing leaves no entry at all, so the log cannot time-stamp it. The chain
verifies when intact; editing one entry's action or detail makes verification fail naming
exactly that entry, deleting an entry fails at the one after it, and re-hashing an edited
entry fails at the next link. The ``audit verify`` command exits 0 or 1 naming the entry, and
the admin audit page lists, filters and warns of tampering."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.support.app import form_token, minimal_report
from tests.support.staff import PASSWORD, code_for, create, csrf, login
from ugly_mugs import audit
from ugly_mugs.models import AuditEntry
from ugly_mugs.reports import receipts

CANARIES = {
    "what_happened": "CanaryWhatHappenedQx7",
    "contact": "CanaryContactQx7 07700900111",
    "place": "CanaryPlaceQx7",
    "reporter_name": "CanaryNameQx7",
    "vehicle_registration": "CQX7 RRG",
}
OUTREACH_CANARIES = {"what_happened": "CanaryOutreachWhatQx7", "contact": "CanaryOutreachContactQx7"}
WRONG_PASSWORD = "CanaryWrongPasswordQx7"
NEW_PASSWORD = "CanaryNewPasswordQx7 long"


def entries(app) -> list[AuditEntry]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        db.expunge_all()
    return rows


def the_report_id(app, code: str) -> str:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return receipts.find_by_receipt(db, code).id


def raw_audit_text(app) -> str:
    """Every column of every audit row, as the database gives it back."""
    with app.extensions["ugly_mugs.engine"].connect() as conn:
        rows = conn.execute(text("SELECT * FROM audit_entry")).all()
    return "\n".join(" | ".join(str(v) for v in row) for row in rows)


def write_entries(app, n: int = 6) -> None:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        for i in range(n):
            audit.record(db, "login" if i % 2 else "login_failed", detail={"n": i})
        db.commit()


def verify(app) -> audit.Verification:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return audit.verify(db)


def execute(app, statement, **params) -> None:
    with app.extensions["ugly_mugs.engine"].begin() as conn:
        conn.execute(statement, params)


def test_actions_are_recorded_with_actor_and_no_content(app, client, passphrase, clock):
    admin = create(app, "ada", "admin")
    carla = create(app, "carla", "outreach", project="Basis")
    admin_client, carla_client = app.test_client(), app.test_client()
    assert login(admin_client, admin).status_code == 302
    assert login(carla_client, carla).status_code == 302

    # A reporter files and then changes consent with the receipt code.
    response = client.post("/api/v1/reports", json=minimal_report(**CANARIES))
    assert response.status_code == 201
    code = response.get_json()["receipt_code"]
    response = client.post(
        "/receipt/consent",
        data={"receipt_code": code, "consent_level": "full", "form_token": form_token(client, "/receipt")},
    )
    assert response.status_code == 200
    reporter_report = the_report_id(app, code)

    # An outreach worker files for someone (staff filing is audited, with the worker as actor).
    data = {
        **minimal_report(**OUTREACH_CANARIES),
        "attested": "y",
        "csrf_token": csrf(carla_client, "/outreach/report"),
    }
    page = carla_client.post("/outreach/report", data=data).get_data(as_text=True)
    outreach_code = re.search(r'id="receipt-code">([^<]+)<', page).group(1)
    outreach_report = the_report_id(app, outreach_code)

    # A failed login, a password change, and account changes by the admin.
    anonymous = app.test_client()
    token = csrf(anonymous, "/login")
    anonymous.post(
        "/login",
        data={"username": "carla", "password": WRONG_PASSWORD, "code": code_for(carla.secret), "csrf_token": token},
    )
    token = csrf(carla_client, "/account/password")
    response = carla_client.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 200
    token = csrf(admin_client, "/admin/accounts")
    response = admin_client.post(
        "/admin/accounts",
        data={"username": "newbie", "display_name": "New Person", "role": "outreach", "csrf_token": token},
    )
    assert response.status_code == 200
    for action in ("reset-two-factor", "deactivate"):
        token = csrf(admin_client, f"/admin/accounts/{carla.id}")
        assert admin_client.post(f"/admin/accounts/{carla.id}/{action}", data={"csrf_token": token}).status_code == 302

    log = entries(app)
    by_action: dict[str, list[AuditEntry]] = {}
    for entry in log:
        by_action.setdefault(entry.action, []).append(entry)

    assert {e.actor_id for e in by_action["login"]} == {admin.id, carla.id}
    assert {e.actor_id for e in by_action["key_unlocked"]} == {admin.id, carla.id}
    assert all(e.detail == {"key": "personal"} for e in by_action["key_unlocked"])
    assert [e.subject_account_id for e in by_action["login_failed"]] == [carla.id]
    assert [(e.actor_id, e.subject_account_id) for e in by_action["password_changed"]] == [(carla.id, carla.id)]
    created = [e for e in by_action["account_created"] if e.actor_id == admin.id]
    assert len(created) == 1 and created[0].detail == {"role": "outreach"}
    assert [(e.actor_id, e.subject_account_id) for e in by_action["two_factor_reset"]] == [(admin.id, carla.id)]
    assert [(e.actor_id, e.subject_account_id) for e in by_action["account_deactivated"]] == [(admin.id, carla.id)]

    # Staff filing is recorded with its actor; a reporter's own filing is not recorded at all
    # (an entry would time-stamp it), and their consent change is recorded only to the hour.
    [filed] = by_action["report_filed"]
    assert (filed.actor_id, filed.report_id) == (carla.id, outreach_report)
    assert filed.detail == {"consent_level": "alert_only", "reporter_type": "outreach"}
    assert not any(e.report_id == reporter_report for e in log if e.action != "consent_changed")
    [changed] = by_action["consent_changed"]
    assert changed.report_id == reporter_report and changed.actor_id is None
    assert changed.at.minute == changed.at.second == 0
    assert changed.detail == {"from": "alert_only", "to": "full", "by": "reporter"}

    stored = raw_audit_text(app)
    for needle in [
        *CANARIES.values(),
        *OUTREACH_CANARIES.values(),
        code,
        code.replace("-", ""),
        outreach_code,
        WRONG_PASSWORD,
        NEW_PASSWORD,
        PASSWORD,
        "127.0.0.1",
    ]:
        assert needle not in stored, needle
    assert verify(app).ok


def test_verify_passes_on_an_intact_log(app):
    write_entries(app)
    result = verify(app)
    assert result.ok and result.checked == 6 and result.first_broken_id is None


def test_editing_one_entrys_action_fails_at_that_entry(app):
    write_entries(app)
    execute(app, text("UPDATE audit_entry SET action = 'report_read' WHERE id = 3"))
    result = verify(app)
    assert not result.ok and result.first_broken_id == 3 and result.checked == 2
    # Putting the original back makes the chain whole again: it is the content that is checked.
    execute(app, text("UPDATE audit_entry SET action = 'login_failed' WHERE id = 3"))
    assert verify(app).ok


def test_editing_one_entrys_detail_fails_at_that_entry(app):
    write_entries(app)
    execute(app, AuditEntry.__table__.update().where(AuditEntry.id == 4).values(detail={"n": 99}))
    result = verify(app)
    assert not result.ok and result.first_broken_id == 4


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", datetime(2020, 1, 1, tzinfo=UTC)),
        ("reason", "triage"),
        ("report_id", "r1"),
        ("subject_account_id", 7),
        ("prev_hash", "0" * 64),
    ],
)
def test_editing_any_other_column_fails_at_that_entry(app, column, value):
    write_entries(app)
    execute(app, AuditEntry.__table__.update().where(AuditEntry.id == 5).values({column: value}))
    assert verify(app).first_broken_id == 5


def test_deleting_a_middle_entry_fails_at_the_next(app):
    write_entries(app)
    execute(app, text("DELETE FROM audit_entry WHERE id = 3"))
    result = verify(app)
    assert not result.ok and result.first_broken_id == 4
    assert "missing" in result.problem


def test_rehashing_an_edited_entry_fails_at_the_next_link(app):
    write_entries(app)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        entry = db.get(AuditEntry, 3)
        entry.action = "report_read"
        entry.hash = audit._digest(entry)
        db.commit()
    result = verify(app)
    assert not result.ok and result.first_broken_id == 4
    assert "link" in result.problem


def test_verify_command(app, runner, database_url, project_root):
    write_entries(app)
    # ``flask --app wsgi`` pushes an application context around every command; so does this.
    with app.app_context():
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 6 entries" in result.output

    execute(app, text("UPDATE audit_entry SET action = 'report_read' WHERE id = 5"))
    with app.app_context():
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at entry 5" in result.output

    # The real command, as an operator runs it.
    env = {**os.environ, "UGLY_MUGS_DATABASE_URL": database_url}
    env.pop("UGLY_MUGS_MODE", None)
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "audit", "verify"],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "BROKEN at entry 5" in done.stderr


def test_admin_audit_page_lists_filters_and_warns(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    other = app.test_client()
    token = csrf(other, "/login")
    other.post("/login", data={"username": "nobody", "password": "wrong password", "code": "1", "csrf_token": token})

    def actions(page: str) -> list[str]:
        return re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td>[^<]*</td>\s*<td>([a-z_]+)</td>", page)

    page = client.get("/admin/audit").get_data(as_text=True)
    assert "entries is intact" in page
    listed = actions(page)
    assert {"account_created", "login", "key_unlocked", "login_failed"} <= set(listed)
    assert len(listed) == len(entries(app))

    page = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert actions(page) == ["login_failed"]
    page = client.get("/admin/audit?actor=ada").get_data(as_text=True)
    assert set(actions(page)) == {"login_password_ok_enrolment", "two_factor_enrolled", "login", "key_unlocked"}

    broken = entries(app)[1].id
    execute(app, text("UPDATE audit_entry SET action = 'erased' WHERE id = :id"), id=broken)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"The log has been tampered with at entry {broken}" in page
    assert "entries is intact" not in page


def test_concurrent_writers_extend_one_chain(app):
    """Two workers writing audit entries at once never pick the same entry id or fork the chain."""
    import threading

    errors: list[Exception] = []

    def writer(n: int) -> None:
        for i in range(40):
            try:
                with app.extensions["ugly_mugs.sessionmaker"]() as session:
                    session.execute(select(AuditEntry.id).limit(1)).all()  # a read first, as in a login
                    audit.record(session, "concurrency_check", detail={"writer": n, "i": i})
                    session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert audit.verify(session).ok
        assert session.scalar(select(func.count()).where(AuditEntry.action == "concurrency_check")) == 80
