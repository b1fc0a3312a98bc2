"""The tamper-evident audit log (P5): logins, failed logins, key unlocks, account changes,
consent changes made with a receipt code and staff report filing are each recorded with who
did them and never any content (no report text, receipt code, password or address); a
reporter's own filing leaves no entry at all, so the log cannot time-stamp it.

The log verifies when intact. Each kind of tampering is reported, naming the entry: editing
any column (at that entry); deleting a middle entry (at the one after it); editing an entry and
re-hashing it and every entry after it, as anyone with database access can (at that entry: its
authentication code, made with the audit key kept outside the database, no longer matches);
codes made with another key; codes removed after the first entry that has one; entries written
before the audit key existed are accepted only as a prefix. With a checkpoint file: deleting
the newest entries (compared with the last checkpoint), rewriting a checkpointed entry even
with the key, deleting and re-growing the tail, a deleted, edited, forged or unreadable
checkpoint line, checkpoints that stopped (older than the allowed age) and a missing file are
each reported. The ``audit verify`` command exits 0 or 1 naming the problem for each of these;
``audit checkpoint`` appends authenticated lines; the admin audit page lists, filters and
warns of tampering."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.support.app import form_token, keystore_url_for, make_app, minimal_report
from tests.support.staff import PASSWORD, code_for, create, csrf, login
from ugly_mugs import audit
from ugly_mugs.db import make_sessionmaker
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


def rehash_from(app, entry_id: int, keys: audit.AuditKeys | None = None) -> None:
    """What anyone with database access can do after editing entry ``entry_id``: recompute its hash
    and every later one so that the chain links again (and, given ``keys``, their codes too)."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        prev = db.get(AuditEntry, entry_id - 1).hash if entry_id > 1 else audit.GENESIS
        for entry in db.scalars(select(AuditEntry).where(AuditEntry.id >= entry_id).order_by(AuditEntry.id)):
            entry.prev_hash = prev
            entry.hash = audit._digest(entry)
            if keys is not None:
                entry.mac = audit.entry_mac(keys, entry.hash)
            prev = entry.hash
            db.flush()
        db.commit()


def edit(app, entry_id: int, **values) -> None:
    execute(app, AuditEntry.__table__.update().where(AuditEntry.id == entry_id).values(**values))


def test_rehashing_an_edited_entry_fails_at_that_entry(app):
    write_entries(app)
    edit(app, 3, action="report_read")
    rehash_from(app, 3)
    result = verify(app)
    assert not result.ok and result.first_broken_id == 3
    assert "authentication code does not match" in result.problem


def test_rewriting_an_entry_and_rehashing_every_later_one_fails_at_that_entry(app):
    write_entries(app)
    edit(app, 2, detail={"n": 99})
    rehash_from(app, 2)
    result = verify(app)
    assert not result.ok and (result.first_broken_id, result.checked) == (2, 1)


def test_deleting_a_middle_entry_and_relinking_the_rest_fails_where_it_was_relinked(app):
    write_entries(app)
    execute(app, text("DELETE FROM audit_entry WHERE id = 3"))
    for old_id in (4, 5, 6):
        execute(app, text("UPDATE audit_entry SET id = :new WHERE id = :old"), new=old_id - 1, old=old_id)
    rehash_from(app, 3)
    result = verify(app)
    assert not result.ok and result.first_broken_id == 3


def test_entries_made_with_another_key_fail(app, database_url):
    write_entries(app, 2)
    other = make_sessionmaker(app.extensions["ugly_mugs.engine"], audit.session_info(bytes(range(32))))
    with other() as db:
        audit.record(db, "login")
        db.commit()
    result = verify(app)
    assert not result.ok and result.first_broken_id == 3


def test_entries_from_before_the_audit_key_are_accepted_only_as_a_prefix(app):
    write_entries(app, 6)
    # Entries 1-2 as the first release wrote them (no code), the rest with codes: intact.
    execute(app, text("UPDATE audit_entry SET mac = NULL WHERE id <= 2"))
    result = verify(app)
    assert result.ok and (result.checked, result.legacy) == (6, 2)
    # A code removed after the first one that has a code is tampering.
    execute(app, text("UPDATE audit_entry SET mac = NULL WHERE id = 5"))
    result = verify(app)
    assert not result.ok and result.first_broken_id == 5 and "removed" in result.problem


def test_nothing_is_recorded_or_verified_without_an_audit_key(app):
    bare = make_sessionmaker(app.extensions["ugly_mugs.engine"])
    with bare() as db:
        with pytest.raises(audit.AuditKeyUnavailable):
            audit.record(db, "login")
        with pytest.raises(audit.AuditKeyUnavailable):
            audit.verify(db)


# --- checkpoints ------------------------------------------------------------------------------


@pytest.fixture
def checkpointed(database_url, tmp_path):
    """An app with a checkpoint file, six entries and a checkpoint of them."""
    app = make_app(database_url, AUDIT_CHECKPOINT_FILE=str(tmp_path / "audit-checkpoints"))
    write_entries(app)
    checkpoint(app)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def checkpoint(app, now: datetime | None = None) -> audit.Checkpoint:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return audit.write_checkpoint(db, now=now)


def verify_at(app, now: datetime | None = None) -> audit.Verification:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return audit.verify(db, now=now)


def checkpoint_lines(app) -> list[str]:
    return Path(app.config["AUDIT_CHECKPOINT_FILE"]).read_text().splitlines()


def write_lines(app, lines: list[str]) -> None:
    Path(app.config["AUDIT_CHECKPOINT_FILE"]).write_text("".join(line + "\n" for line in lines))


def test_checkpoints_are_authenticated_lines_and_an_intact_log_verifies(checkpointed):
    write_entries(checkpointed, 2)
    point = checkpoint(checkpointed)
    assert (point.seq, point.entry, point.keyed_from) == (2, 8, 1)
    lines = checkpoint_lines(checkpointed)
    assert len(lines) == 2 and all(re.fullmatch(r"\{.*\}", line) for line in lines)
    assert oct(Path(checkpointed.config["AUDIT_CHECKPOINT_FILE"]).stat().st_mode & 0o777) == "0o600"
    result = verify_at(checkpointed)
    assert result.ok and result.checkpoints == 2 and result.last_checkpoint == point


def test_deleting_the_newest_entries_is_found_by_the_checkpoint(checkpointed):
    assert verify_at(checkpointed).ok
    execute(checkpointed, text("DELETE FROM audit_entry WHERE id >= 5"))
    result = verify_at(checkpointed)
    assert not result.ok and result.first_broken_id == 5
    assert "entries 5 to 6 were deleted from the end of the log" in result.problem


def test_deleting_the_tail_and_growing_it_again_is_found(checkpointed):
    execute(checkpointed, text("DELETE FROM audit_entry WHERE id >= 4"))
    write_entries(checkpointed, 5)  # genuine new entries 4-8, with valid codes
    result = verify_at(checkpointed)
    assert not result.ok and result.first_broken_id == 6
    assert "differs from checkpoint 1" in result.problem


def test_rewriting_a_checkpointed_entry_is_found_even_with_the_key(checkpointed):
    # Whoever holds the audit key (the running app) can make codes, but not change the checkpoint file.
    edit(checkpointed, 2, action="report_read")
    rehash_from(checkpointed, 2, keys=checkpointed.extensions["ugly_mugs.sessionmaker"].kw["info"][audit.KEYS])
    result = verify_at(checkpointed)
    assert not result.ok and result.first_broken_id == 6
    assert [p.message for p in result.problems] == ["entry 6 differs from checkpoint 1: it was rewritten"]


def test_removing_every_code_is_found_by_the_checkpoint(checkpointed):
    # Making the whole log look older than the audit key: checkpoints remember where codes begin.
    execute(checkpointed, text("UPDATE audit_entry SET mac = NULL"))
    result = verify_at(checkpointed)
    assert not result.ok and result.first_broken_id == 1 and "removed" in result.problem


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda lines: lines[:1] + lines[2:], "checkpoint 2 is missing"),
        (lambda lines: lines[:1] + [lines[1].replace('"entry":6', '"entry":5')] + lines[2:], "not authentic"),
        (lambda lines: [*lines, lines[-1].replace('"seq":3', '"seq":4')], "not authentic"),
        (lambda lines: [*lines, "not a checkpoint {"], "line 4 of the checkpoint file is not a checkpoint"),
        (lambda lines: [lines[0], lines[2], lines[1]], "checkpoint 2 (line 3) is out of order"),
    ],
    ids=["deleted", "edited", "forged", "unreadable", "reordered"],
)
def test_a_spoiled_checkpoint_file_is_found(checkpointed, spoil, message):
    checkpoint(checkpointed)
    checkpoint(checkpointed)
    lines = checkpoint_lines(checkpointed)
    assert verify_at(checkpointed).ok
    write_lines(checkpointed, spoil(lines))
    result = verify_at(checkpointed)
    assert not result.ok
    assert any(message in p.message for p in result.problems), result.problems


def test_an_unreadable_checkpoint_file_is_reported_not_raised(checkpointed):
    path = Path(checkpointed.config["AUDIT_CHECKPOINT_FILE"])
    path.unlink()
    path.mkdir()  # reading a directory fails for every user, root included
    result = verify_at(checkpointed)
    assert not result.ok and "the checkpoint file cannot be read" in result.problem


def test_checkpoints_that_stop_coming_are_reported(checkpointed):
    later = datetime.now(UTC) + timedelta(minutes=121)
    result = verify_at(checkpointed, now=later)
    assert not result.ok and "older than 120 minutes" in result.problem
    assert result.first_broken_id == 7  # the entries after the newest checkpoint are the ones in doubt
    checkpoint(checkpointed, now=later)
    assert verify_at(checkpointed, now=later).ok


def test_a_missing_checkpoint_file_is_reported_once_the_log_is_old_enough(checkpointed):
    Path(checkpointed.config["AUDIT_CHECKPOINT_FILE"]).unlink()
    assert verify_at(checkpointed).ok  # a new installation before its first checkpoint
    result = verify_at(checkpointed, now=datetime.now(UTC) + timedelta(hours=3))
    assert not result.ok and "no checkpoint" in result.problem


def delete_entries(app, where: str) -> None:
    execute(app, text(f"DELETE FROM audit_entry WHERE {where}"))


def edit_and_rehash(app) -> None:
    edit(app, 3, action="report_read")
    rehash_from(app, 3)


def drop_second_checkpoint(app) -> None:
    checkpoint(app)
    checkpoint(app)
    lines = checkpoint_lines(app)
    write_lines(app, [lines[0], lines[2]])


def only_an_old_checkpoint(app) -> None:
    Path(app.config["AUDIT_CHECKPOINT_FILE"]).unlink()
    checkpoint(app, now=datetime.now(UTC) - timedelta(hours=3))


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda app: delete_entries(app, "id = 6"), "BROKEN at entry 6: entry 6 was deleted from the end"),
        (lambda app: delete_entries(app, "id = 3"), "BROKEN at entry 4: entry 3 is missing"),
        (edit_and_rehash, "BROKEN at entry 3: its authentication code does not match"),
        (drop_second_checkpoint, "checkpoint 2 is missing from the checkpoint file"),
        (only_an_old_checkpoint, "is older than 120 minutes: checkpoints stopped"),
    ],
    ids=["tail-deleted", "middle-deleted", "rewritten-and-rehashed", "checkpoint-missing", "checkpoints-stopped"],
)
def test_verify_command_reports_each_kind_of_tampering(checkpointed, tamper, expected):
    runner = checkpointed.test_cli_runner()
    with checkpointed.app_context():
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 6 entries (6 with an authentication code)" in result.output
    tamper(checkpointed)
    with checkpointed.app_context():
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert expected in result.output


def test_checkpoint_command_appends_a_line(checkpointed):
    runner = checkpointed.test_cli_runner()
    with checkpointed.app_context():
        result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("checkpoint 2: entry 6 at ")
    assert len(checkpoint_lines(checkpointed)) == 2
    with checkpointed.app_context():
        result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "2 checkpoints; the newest (2, " in result.output


def test_checkpointing_needs_a_configured_file(app):
    with app.extensions["ugly_mugs.sessionmaker"]() as db, pytest.raises(audit.CheckpointUnavailable):
        audit.write_checkpoint(db)
    assert verify(app).checkpoints is None


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
    env = {
        **os.environ,
        "UGLY_MUGS_DATABASE_URL": database_url,
        "UGLY_MUGS_KEYSTORE_URL": keystore_url_for(database_url),
    }
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
        return re.findall(
            r"<tr><td[^>]*>\d+</td><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td>\s*<td[^>]*>([a-z_]+)</td>", page
        )

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
