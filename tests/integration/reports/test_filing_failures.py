"""A filing that cannot be completed stores nothing, leaves no erasure key and says so clearly
(503 or the form shown back), through the reporter form and the API alike; and a reference that
is already given is never a failure: the filing takes another."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs.keys import keystore
from ugly_mugs.keys.keystore import KeyUnavailable
from ugly_mugs.models import IdempotencyRecord, Report
from ugly_mugs.reports import filing

WHAT = "He grabbed my arm by the bridge"


def _set_up(app) -> None:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()


def _stored(app) -> tuple[int, int, int]:
    """(reports, idempotency records, erasure keys): compared before and after, since a
    PostgreSQL test database's key store outlives the test."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        reports = session.scalar(select(func.count()).select_from(Report))
        records = session.scalar(select(func.count()).select_from(IdempotencyRecord))
    store = app.extensions["ugly_mugs.keystore"]
    try:
        keys = store.counts()[0]
    except KeyUnavailable:
        keys = 0  # a store that cannot be made holds nothing
    return reports, records, keys


def _through_the_api(client, key: bool):
    headers = {"Idempotency-Key": str(uuid.uuid4())} if key else {}
    return client.post("/api/v1/reports", json=minimal_report(what_happened=WHAT), headers=headers)


def _through_the_form(client):
    return client.post("/report", data={**minimal_report(what_happened=WHAT), "form_token": form_token(client)})


DOORS = {
    "api": lambda client: _through_the_api(client, key=False),
    "api with a key": lambda client: _through_the_api(client, key=True),
    "form": _through_the_form,
}


def _refused_clearly(door: str, response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    if door == "form":
        assert WHAT in response.get_data(as_text=True), "what she typed is shown back"
    else:
        assert response.is_json and response.get_json()["status"] == 503


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda tmp: tmp / "a-file" / "keys.sqlite3", id="below a file"),
        pytest.param(lambda tmp: tmp, id="a directory"),
        pytest.param(lambda tmp: "/proc/no-such-place/keys.sqlite3", id="where nothing can be made"),
    ],
)
def test_a_key_store_that_cannot_be_made_refuses_the_filing_clearly(database_url, tmp_path, door, where):
    (tmp_path / "a-file").write_text("not a directory")
    app = make_app(database_url, KEYSTORE_URL=f"sqlite:///{where(tmp_path)}")
    _set_up(app)
    before = _stored(app)
    _refused_clearly(door, DOORS[door](app.test_client()))
    assert _stored(app) == before


def _sealing_fails(app, monkeypatch) -> None:
    def fail(prepared):
        raise KeyUnavailable("the unit key could not be read")

    monkeypatch.setattr(filing, "_encrypt_all", fail)


def _storing_fails(app, monkeypatch) -> None:
    def fail(session, prepared):
        raise KeyUnavailable("the area kept changing")

    monkeypatch.setattr(filing, "store_report", fail)


def _storing_clashes(app, monkeypatch) -> None:
    # A unique value taken by another filing at the same moment (not a retried request's key).
    def clash(session, prepared):
        raise IntegrityError("INSERT INTO report_category ...", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(filing, "store_report", clash)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("failure", [_sealing_fails, _storing_fails, _storing_clashes])
def test_a_filing_that_fails_part_way_leaves_no_erasure_key(database_url, monkeypatch, door, failure):
    app = make_app(database_url)
    _set_up(app)
    failure(app, monkeypatch)
    before = _stored(app)
    _refused_clearly(door, DOORS[door](app.test_client()))
    assert _stored(app) == before


@pytest.mark.parametrize("door", DOORS)
def test_a_filing_without_its_matching_key_makes_no_erasure_key(database_url, door):
    app = make_app(database_url, MATCHING_KEY=None)
    _set_up(app)
    before = _stored(app)
    _refused_clearly(door, DOORS[door](app.test_client()))
    assert _stored(app) == before


@pytest.mark.parametrize("door", DOORS)
def test_a_reference_already_given_is_replaced_not_refused(app, passphrase, monkeypatch, door):
    given = iter(["UM-2222222", "UM-2222222", "UM-2222222", "UM-3333333"])
    monkeypatch.setattr(filing, "_new_reference", lambda: next(given))
    client = app.test_client()
    assert DOORS["api"](client).status_code == 201
    response = DOORS[door](client)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:300]
    assert "UM-3333333" in response.get_data(as_text=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        references = sorted(session.scalars(select(Report.reference)))
    assert {"UM-2222222", "UM-3333333"} <= set(references) and len(references) == 2
