"""The erasure key store (ugly_mugs.keys.erasure), on a SQLite file and on PostgreSQL.

Proves: a key is made once per report and found again; destroying it leaves a tombstone with
the report id and the hour only, keeps the first tombstone when repeated, and refuses a new key
for that report; a destroyed key is gone from the store's files at once, and the file is its
owner's alone (SQLite); a report
with neither key nor tombstone is ``ErasureKeyMissing`` (a missing key, never a fallback), one
listed as waiting for migration opens as stored; with no key store configured a report is
refused (503) and nothing is stored.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from tests.support import dbscan
from tests.support.app import TEST_DATABASE_URL, make_app, minimal_report, new_postgres_database
from ugly_mugs import coarse_time
from ugly_mugs.keys import erasure
from ugly_mugs.keys.keystore import KeyUnavailable
from ugly_mugs.models import PendingErasureKey, Report
from ugly_mugs.reports import erasure as report_erasure


@contextmanager
def store_at(url: str):
    store = erasure.ErasureKeyStore(url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'keys.sqlite3'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("UGLY_MUGS_TEST_DATABASE_URL is not set")
    with new_postgres_database("i16_keys") as url:
        yield url


def test_a_key_per_report_destroyed_into_a_tombstone(store_url):
    with store_at(store_url) as store:
        one, two = "a" * 32, "b" * 32
        key = store.create_new(one)
        with pytest.raises(IntegrityError):
            store.create_new(one)
        made = store.create_many([one, two])
        assert store.create_many([one]) == {one: key}, "made once, found again"
        assert made[one] == key and len(made[two]) == 32 and made[two] != key
        assert store.lookup([one, two, "c" * 32]) == ({one: key, two: made[two]}, set())
        assert store.destroy([one]) == 1
        assert store.lookup([one, two]) == ({two: made[two]}, {one})
        first = store.tombstones()
        assert store.destroy([one]) == 0 and store.tombstones() == first, "the first tombstone stays"
        ((report_id, erased_at),) = first
        assert report_id == one and erased_at == coarse_time.now()
        with pytest.raises(erasure.ReportErased):
            store.create_many([two, one])
        assert store.counts() == (1, 1)
        store_id = store.store_id()
        assert len(store_id) == 32 and erasure.ErasureKeyStore(store_url).store_id() == store_id
    # The tombstone holds the report id and the hour, nothing else.
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            assert [c["name"] for c in inspect(conn).get_columns("tombstone")] == ["report_id", "erased_at"]
            assert [c["name"] for c in inspect(conn).get_columns("erasure_key")] == ["report_id", "key"]
    finally:
        engine.dispose()


def test_a_destroyed_key_is_gone_from_the_store_files_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    with store_at(url) as store:
        keys = store.create_many([f"{n:032x}" for n in range(50)])
        doomed = keys[f"{7:032x}"]
        assert doomed in dbscan.raw_bytes(url)
        store.destroy([f"{7:032x}"])
        data = dbscan.raw_bytes(url)
        assert doomed not in data
        assert keys[f"{8:032x}"] in data
    # Only its owner may read it, whatever the umask.
    assert (tmp_path / "keys.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_report_without_key_or_tombstone_is_a_missing_key_and_a_pending_one_opens_as_stored(
    app, passphrase, db_session, tmp_path
):
    response = app.test_client().post("/api/v1/reports", json=minimal_report())
    assert response.status_code == 201
    report = db_session.scalar(select(Report))
    assert erasure.report_key(db_session, report.id).key is not None
    other = erasure.ErasureKeyStore(f"sqlite:///{tmp_path / 'another-store.sqlite3'}")
    db_session.info[erasure.STORE] = other
    try:
        with pytest.raises(erasure.ErasureKeyMissing) as missing:
            erasure.report_key(db_session, report.id)
        assert isinstance(missing.value, KeyUnavailable)
        db_session.add(PendingErasureKey(report_id=report.id))
        db_session.flush()
        assert erasure.report_key(db_session, report.id) == erasure.ReportKey(report.id, None)
        assert erasure.report_keys(db_session, [report.id]) == {report.id: erasure.ReportKey(report.id, None)}
        db_session.rollback()
    finally:
        other.dispose()


def test_without_a_key_store_a_report_is_refused_and_nothing_is_stored(database_url, passphrase, db_session):
    app = make_app(database_url, KEYSTORE_URL=None)
    try:
        response = app.test_client().post("/api/v1/reports", json=minimal_report())
        assert response.status_code == 503
        assert db_session.scalar(select(func.count()).select_from(Report)) == 0
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def test_migrating_a_restored_report_the_key_store_erased_erases_it(app, passphrase, db_session):
    """A database from before erasure keys, restored after the report was erased: the migration
    does not give it a new key but erases it."""
    response = app.test_client().post("/api/v1/reports", json=minimal_report())
    assert response.status_code == 201
    report = db_session.scalar(select(Report))
    app.extensions["ugly_mugs.keystore"].destroy([report.id])
    db_session.add(PendingErasureKey(report_id=report.id))
    db_session.commit()
    assert report_erasure.migrate_pending(db_session) == report_erasure.Migrated(keyed=0, erased=1)
    db_session.expire_all()
    assert db_session.get(Report, report.id).status == "erased"
    assert app.extensions["ugly_mugs.keystore"].lookup([report.id]) == ({}, {report.id})
    assert report_erasure.pending_count(db_session) == 0
