"""A filing past the limits costs no encryption, and a filing not stored leaves nothing behind.

A client already past its filing limit is refused before anything is encrypted or any erasure
key is made; a filing that passed that first look but is refused when it is counted (another
process took the last place in between) throws away the erasure key it made. Either way the
report is not stored, the refusal is counted, Retry-After is set and the form keeps what was
typed. A filing that fails while it is stored (the database, the area gone) throws its erasure
key away too. Both doors: the reporter's form and the API.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs.keys import erasure
from ugly_mugs.models import Report, ThrottleWindow
from ugly_mugs.reports import filing
from ugly_mugs.web import throttling


def _via_form(client, story: str):
    return client.post("/report", data=minimal_report(what_happened=story, form_token=form_token(client)))


def _via_api(client, story: str):
    return client.post("/api/v1/reports", json=minimal_report(what_happened=story, categories=["robbery"]))


DOORS = {"form": (_via_form, 200), "api": (_via_api, 201)}


def _held(app) -> tuple[int, int, int]:
    """(reports stored, erasure keys held, filings counted) in the app's stores."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        reports = session.scalar(select(func.count()).select_from(Report))
        keys, _ = erasure.store_of(session).counts()
        counted = session.scalar(
            select(func.coalesce(func.sum(ThrottleWindow.hits), 0)).where(ThrottleWindow.name.like("%filing%client%"))
        )
    return reports, keys, counted


@pytest.fixture
def limited(database_url, passphrase):
    app = make_app(database_url, FILING_CLIENT_LIMIT=1, FILING_GLOBAL_LIMIT=1000, FILING_WINDOW_SECONDS=600)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def _assert_refused(response, door: str, story: str) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    if door == "form":
        assert story in response.get_data(as_text=True)
    else:
        assert "nothing was stored" in response.get_json()["detail"]


@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_client_past_its_limit_is_refused_before_anything_is_encrypted(limited, door):
    send, filed = DOORS[door]
    client = limited.test_client()
    assert send(client, "first " + secrets.token_hex(4)).status_code == filed
    reports, keys, counted = _held(limited)
    for attempt in range(3):
        story = f"refused {attempt} " + secrets.token_hex(4)
        _assert_refused(send(client, story), door, story)
    # No report, no erasure key made (nothing was encrypted), each refusal counted.
    assert _held(limited) == (reports, keys, counted + 3)


@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_filing_refused_when_counted_throws_away_its_erasure_key(limited, door, monkeypatch):
    send, filed = DOORS[door]
    client = limited.test_client()
    assert send(client, "first " + secrets.token_hex(4)).status_code == filed
    reports, keys, counted = _held(limited)
    # The first look saw room (another process's count landed after it): the report is encrypted
    # and its erasure key made, then counting refuses it.
    monkeypatch.setattr(throttling, "filing_refused_already", lambda: None)
    story = "raced " + secrets.token_hex(4)
    _assert_refused(send(client, story), door, story)
    assert _held(limited) == (reports, keys, counted + 1)


FAILURES = {
    # The database failing while the report is written (503, form kept).
    "database": (lambda: OperationalError("INSERT", {}, Exception("disk I/O error")), {"form": 503, "api": 503}),
    # The area deactivated between reading and storing (the place read again refuses it).
    "refused": (lambda: filing.ReportError("This area is not known here."), {"form": 400, "api": 422}),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_filing_that_fails_while_stored_leaves_no_erasure_key(limited, door, failure, monkeypatch):
    send, _ = DOORS[door]
    make, status = FAILURES[failure]
    stored = filing.store_report

    def failing(session, prepared):
        stored(session, prepared)  # written, then the failure: all of it is rolled back
        raise make()

    monkeypatch.setattr(filing, "store_report", failing)
    reports, keys, _ = _held(limited)
    story = "failed " + secrets.token_hex(4)
    response = send(limited.test_client(), story)
    assert response.status_code == status[door]
    if door == "form":
        assert story in response.get_data(as_text=True)
    assert _held(limited)[:2] == (reports, keys)
