"""Rotating the matching key while hosts keep running (issue 19).

A "host" here is an app given the old key as its matching key and the new one as its next key
(``UGLY_MUGS_MATCHING_KEY_NEXT_FILE``), sharing the database with the rotation. Proves, with the
rotation's progress callback used to act between its batches: a report filed mid-rotation is
linked to older reports and found by a check after the rotation, under the new version alone;
checks answered during the rotation find alerts on old and new reports; after the rotation the
host keeps filing (under the new key only) until it is switched; the host's readiness stays
green throughout; running the rotation a second time is safe; only counts are reported.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from tests.support.app import make_app
from tests.support.matching_data import alert, file
from ugly_mugs.matching import check, links, rotate
from ugly_mugs.models import IdentifierIndex, MatchingKeyVersion, Report

OLD_NUMBER = "07700 900123"
NEW_NUMBER = "07700 900456"


def sessions(app):
    return app.extensions["ugly_mugs.sessionmaker"]


def versions(app) -> tuple[set[int], set[int]]:
    with sessions(app)() as db:
        return (
            set(db.scalars(select(IdentifierIndex.key_version).distinct())),
            set(db.scalars(select(MatchingKeyVersion.version))),
        )


def linked_to(app, report: Report) -> set[str]:
    with sessions(app)() as db:
        return {linked.reference for shared in links.links_for(db, report.id) for linked in shared.reports}


def found(app, number: str) -> int:
    with sessions(app)() as db:
        return check.check(db, number).count


@pytest.fixture
def new_key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def host(app, database_url, new_key):
    """An app still on the old key, given the new one as its next key."""
    running = make_app(database_url, MATCHING_KEY=app.config["MATCHING_KEY"], MATCHING_KEY_NEXT=new_key)
    yield running
    running.extensions["ugly_mugs.engine"].dispose()


@pytest.fixture
def switched(database_url, new_key):
    """The same host after the rotation: the new key alone."""
    running = make_app(database_url, MATCHING_KEY=new_key)
    yield running
    running.extensions["ugly_mugs.engine"].dispose()


@pytest.fixture
def old_reports(app, passphrase):
    made = [file(app, phone_numbers=[OLD_NUMBER]) for _ in range(4)]
    made += [file(app, phone_numbers=[NEW_NUMBER]), file(app, emails=["someone@example.com"])]
    alert(app, made[0], "published", "Old warning", "About the old number.")
    return made


def test_a_report_filed_between_batches_is_matched_after_the_rotation(
    app, host, switched, passphrase, old_reports, new_key
):
    seen: list[rotate.Progress] = []
    filed_mid: list[Report] = []
    answers: list[tuple[int, int]] = []

    def between_batches(progress: rotate.Progress) -> None:
        seen.append(progress)
        if progress.stage == "reindexed" and progress.done == 2:
            # Half the reports are under the new version, half only under the old one.
            report = file(host, phone_numbers=[NEW_NUMBER, OLD_NUMBER])
            alert(host, report, "published", "New warning", "About the new number.")
            filed_mid.append(report)
        if progress.stage == "reindexed" and filed_mid:
            answers.append((found(host, OLD_NUMBER), found(host, NEW_NUMBER)))

    done = rotate.rotate(sessions(app), passphrase, new_key, batch=2, progress=between_batches)

    # Report references are random: the one filed mid-way falls behind the batches or ahead of them.
    assert done.version == 2 and done.reports in (6, 7)
    assert [p.done for p in seen if p.stage == "reindexed"][:3] == [2, 4, 6]
    assert any(p.stage == "old rows deleted" for p in seen)
    # During the rotation the host found the old alert and the new one, both numbers.
    assert answers and set(answers) == {(2, 1)}
    assert versions(app) == ({2}, {2})
    [mid] = filed_mid
    old = {r.reference for r in old_reports[:5]}
    assert linked_to(switched, mid) == old
    assert found(switched, NEW_NUMBER) == 1 and found(switched, OLD_NUMBER) == 2
    # The host not yet switched keeps working on the new version alone.
    assert found(host, OLD_NUMBER) == 2
    later = file(host, phone_numbers=[OLD_NUMBER])
    assert versions(app) == ({2}, {2})
    assert linked_to(switched, later) == {r.reference for r in old_reports[:4]} | {mid.reference}
    assert host.test_client().get("/readyz").status_code == 200


def test_running_the_rotation_twice_is_safe(app, host, switched, passphrase, old_reports, new_key):
    file(host, phone_numbers=[OLD_NUMBER])  # the host records the next version before the rotation
    assert versions(app) == ({1, 2}, {1, 2})
    before = linked_to(app, old_reports[0])
    for _ in range(2):
        done = rotate.rotate(sessions(app), passphrase, new_key, batch=3)
        assert done.version == 2 and done.reports == 7
    assert versions(app) == ({2}, {2})
    assert linked_to(switched, old_reports[0]) == before
    with sessions(app)() as db:
        rows = list(db.execute(select(IdentifierIndex.report_id, IdentifierIndex.kind, IdentifierIndex.digest)))
    assert len(rows) == len(set(rows))


def test_a_host_without_the_next_key_refuses_after_the_rotation(app, passphrase, old_reports, new_key):
    rotate.rotate(sessions(app), passphrase, new_key)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503 and "matching key" in answer.get_data(as_text=True)
