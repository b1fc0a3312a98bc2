"""Rotating the matching key: ``flask --app wsgi matching rotate``.

Proves: after rotation every link between reports is still there (certain and possible alike),
with every index row under the new key version and none left of the old one, and only the new
key's version recorded; the app then works with the new key (links, check) and refuses to
index under the old one; the command prints counts and never an identifier; a wrong passphrase
or the key already in use changes nothing; running it again with the same new key is harmless.
Each run that opens perpetrator sections leaves one audit entry, before it opens any, with the
counts (never an identifier); a refused run leaves none.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from tests.support.app import form_token, make_app, minimal_report
from tests.support.matching_data import alert, file
from ugly_mugs.matching import check, links
from ugly_mugs.models import AuditEntry, IdentifierIndex, MatchingKeyVersion, Report


def link_map(app) -> dict[str, set[tuple[str, bool]]]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        result = {}
        for report in db.scalars(select(Report)):
            result[report.reference] = {
                (linked.reference, linked.possible)
                for shared in links.links_for(db, report.id)
                for linked in shared.reports
            }
        return result


def rotation_entries(app) -> list[AuditEntry]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == "matching_rotation")))


def versions(app) -> tuple[set[int], set[int]]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        rows = set(db.scalars(select(IdentifierIndex.key_version).distinct()))
        recorded = set(db.scalars(select(MatchingKeyVersion.version)))
        return rows, recorded


@pytest.fixture
def reports(app, passphrase):
    made = [
        file(app, phone_numbers=["07700 900123"], emails=["Dave@Example.com"], vehicle={"registration": "AB12 CDE"}),
        file(app, phone_numbers=["+44 7700 900123"]),
        file(app, emails=["dave@example.com"], usernames=["@dave"]),
        file(app, usernames=["DAVE"], vehicle={"registration": "AB12 C??"}),
        file(app, phone_numbers=["07700 900999"]),
    ]
    return made


@pytest.fixture
def new_key(tmp_path):
    key = secrets.token_bytes(32)
    path = tmp_path / "new_matching_key"
    path.write_text(key.hex() + "\n")
    return key, path


def test_rotation_keeps_every_link_and_leaves_no_old_row(app, runner, passphrase, reports, new_key, database_url):
    key, path = new_key
    before = link_map(app)
    assert sum(len(v) for v in before.values()) >= 8
    assert versions(app) == ({1}, {1})
    result = runner.invoke(
        args=["matching", "rotate", "--new-key-file", str(path), "--batch", "2"], input=passphrase + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "5 reports indexed" in result.output and "old index rows deleted" in result.output
    # Progress after each batch of two (counts only, on standard error).
    progress = [line for line in result.stderr.splitlines() if line.startswith("reindexed")]
    assert progress == [
        "reindexed: 2 of 5 reports (40%)",
        "reindexed: 4 of 5 reports (80%)",
        "reindexed: 5 of 5 reports (100%)",
    ]
    assert any(line.startswith("old rows deleted: ") for line in result.stderr.splitlines())
    assert versions(app) == ({2}, {2})
    assert link_map(app) == before
    # The job opened every perpetrator section: one entry for the run, with counts only.
    [entry] = rotation_entries(app)
    assert entry.detail == {"key_version": 2, "reports": 5, "sections": 5}
    assert entry.actor_id is None and entry.report_id is None

    rotated = make_app(database_url, MATCHING_KEY=key)
    try:
        assert link_map(rotated) == before
        client = rotated.test_client()
        filed = client.post("/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700900123"))
        assert filed.status_code == 200
        assert versions(rotated) == ({2}, {2})
        alert(rotated, reports[0], "published", "Rotated warning", "Still found after rotation.")
        with rotated.extensions["ugly_mugs.sessionmaker"]() as db:
            assert check.check(db, "07700 900 123").count == 1
    finally:
        rotated.extensions["ugly_mugs.engine"].dispose()

    # The app still on the old key refuses to index under it (the report is shown back, not lost).
    client = app.test_client()
    refused = client.post("/report", data=minimal_report(form_token=form_token(client), phone_numbers="07700900123"))
    assert refused.status_code == 503


def test_rotation_output_has_no_identifier(runner, passphrase, reports, new_key):
    _, path = new_key
    result = runner.invoke(args=["matching", "rotate", "--new-key-file", str(path)], input=passphrase + "\n")
    assert result.exit_code == 0
    for needle in ("447700900123", "7700 900123", "dave@example.com", "AB12CDE", "AB12 CDE", "@dave"):
        assert needle not in result.output


def test_rotating_twice_with_the_same_key_is_harmless(app, runner, passphrase, reports, new_key):
    _, path = new_key
    before = link_map(app)
    for _ in range(2):
        result = runner.invoke(args=["matching", "rotate", "--new-key-file", str(path)], input=passphrase + "\n")
        assert result.exit_code == 0, result.output
    assert len(rotation_entries(app)) == 2  # each run opened the sections again
    assert versions(app) == ({2}, {2})
    assert link_map(app) == before
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        rows = db.scalar(select(func.count()).select_from(IdentifierIndex))
        distinct = db.scalar(
            select(func.count()).select_from(
                select(IdentifierIndex.report_id, IdentifierIndex.kind, IdentifierIndex.digest).distinct().subquery()
            )
        )
    assert rows == distinct


def test_wrong_passphrase_changes_nothing(app, runner, passphrase, reports, new_key):
    _, path = new_key
    before = link_map(app)
    result = runner.invoke(args=["matching", "rotate", "--new-key-file", str(path)], input="WRONG-PASS-PHRASE\n")
    assert result.exit_code != 0
    assert "does not open" in result.output
    assert versions(app) == ({1}, {1})
    assert link_map(app) == before
    assert rotation_entries(app) == []


def test_bad_or_current_key_file_is_refused(app, runner, passphrase, reports, tmp_path):
    short = tmp_path / "short"
    short.write_text("abcd")
    same = tmp_path / "same"
    same.write_text(app.config["MATCHING_KEY"].hex())
    for path, message in ((short, "at least 32 bytes"), (same, "key in use")):
        result = runner.invoke(args=["matching", "rotate", "--new-key-file", str(path)], input=passphrase + "\n")
        assert result.exit_code != 0 and message in result.output
    assert versions(app) == ({1}, {1})


def test_commands_have_help(runner):
    for args in (["matching", "--help"], ["matching", "rotate", "--help"], ["matching", "issue-token", "--help"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0 and "Usage:" in result.output
