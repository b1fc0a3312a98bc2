"""Filing keeps what does not change per request (an area's row and unit, the scheme and unit
public keys) and checks it in the statement that stores the report (``reports.filing.Place``):
a key rotated by another app instance (another host, or ``keys rotate``) while this one has
them cached is never sealed to once the rotation has begun, and an area added, deactivated or
given back by an admin is seen by the very next filing. Also pins how many SQL statements a
full-consent filing takes, so that it cannot silently grow."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

from tests.support.app import make_app, minimal_report
from ugly_mugs.keys import keystore, rotation
from ugly_mugs.models import Area, GroupKey, PoliceUnit, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import filing, sections

CATEGORIES = {"physical-assault", "robbery"}


@pytest.fixture
def other_app(app, database_url, passphrase):
    """A second instance of the app on the same database: another host of the fleet."""
    other = make_app(database_url, KEYSTORE_URL=app.config["KEYSTORE_URL"])
    yield other
    other.extensions["ugly_mugs.engine"].dispose()


def file_api(client, **fields) -> str:
    body = minimal_report(consent_level="full", categories=["robbery"], **fields)
    response = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def sealed_to(app, reference: str) -> dict[str, set[int]]:
    """The group key rows each holder's seals of the report point to."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        rows = session.execute(
            select(SealedSectionKey.holder, SealedSectionKey.group_key_id)
            .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
            .join(Report, Report.id == ReportSection.report_id)
            .where(Report.reference == reference)
        ).all()
    found: dict[str, set[int]] = {}
    for holder, key_id in rows:
        found.setdefault(holder, set()).add(key_id)
    return found


def current_keys(app) -> tuple[int, int]:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        unit = session.scalar(select(PoliceUnit.id).where(PoliceUnit.code == "local-police"))
        return keystore.scheme_key(session).id, keystore.unit_key(session, unit).id


@pytest.mark.parametrize("unit_code", [None, "local-police"], ids=["scheme", "unit"])
def test_a_warm_cache_seals_to_the_new_key_once_another_instance_began_a_rotation(
    app, client, other_app, passphrase, unit_code
):
    old_scheme, old_unit = current_keys(app)
    warm = file_api(client)  # this instance now holds the place and its keys
    assert sealed_to(app, warm) == {sections.SCHEME: {old_scheme}, sections.RECEIPT: {None}, sections.UNIT: {old_unit}}
    during = []

    def meanwhile(_progress):
        # The new key has taken the old one's place (committed); the old row is still there,
        # retiring, with the same public key this instance has cached.
        if not during:
            during.append(file_api(client))

    rotation.rotate(other_app.extensions["ugly_mugs.sessionmaker"], passphrase, unit_code=unit_code, progress=meanwhile)
    new_scheme, new_unit = current_keys(app)
    assert (new_scheme != old_scheme) == (unit_code is None) and (new_unit != old_unit) == (unit_code is not None)
    after = file_api(client)
    for reference in (during[0], after):
        assert sealed_to(app, reference) == {
            sections.SCHEME: {new_scheme},
            sections.RECEIPT: {None},
            sections.UNIT: {new_unit},
        }


def new_report(area_code: str) -> filing.NewReport:
    return filing.NewReport(
        incident_date=date(2026, 11, 20),
        area_code=area_code,
        categories=["robbery"],
        consent_level="full",
        reporter_type="self",
        identity={},
        incident={"what_happened": "He hit me."},
        perpetrator={},
    )


def file_service(app, area_code: str) -> filing.Filed:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        filed = filing.file_report(session, new_report(area_code), CATEGORIES)
        session.commit()
        return filed


def test_areas_deactivated_given_back_moved_or_added_are_seen_by_the_next_filing(app, other_app, passphrase):
    file_service(app, "holbeck")
    admin = other_app.extensions["ugly_mugs.sessionmaker"]
    with admin() as session:
        session.execute(update(Area).where(Area.code == "holbeck").values(active=False))
        session.commit()
    with pytest.raises(filing.ReportError):
        file_service(app, "holbeck")
    with admin() as session:
        session.execute(update(Area).where(Area.code == "holbeck").values(active=True, police_unit_id=None))
        session.add(Area(code="armley", name="Armley", police_unit_id=None, active=True))
        session.commit()
    for code in ("holbeck", "armley"):
        filed = file_service(app, code)
        with admin() as session:
            report = session.scalar(select(Report).where(Report.reference == filed.reference))
            assert report.police_unit_id is None and session.get(Area, report.area_id).code == code
            holders = set(
                session.scalars(
                    select(SealedSectionKey.holder)
                    .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
                    .where(ReportSection.report_id == report.id)
                )
            )
            assert holders == {sections.SCHEME, sections.RECEIPT}  # no unit: nobody else


def test_a_key_deleted_under_a_warm_cache_is_never_sealed_to(app, other_app, passphrase):
    """Without any current scheme key, a cached one is not used: the filing is refused."""
    file_service(app, "holbeck")
    with other_app.extensions["ugly_mugs.sessionmaker"]() as session:
        session.execute(update(GroupKey).where(GroupKey.kind == keystore.SCHEME).values(kind=keystore.RETIRING))
        session.commit()
    with pytest.raises(keystore.KeyUnavailable):
        file_service(app, "holbeck")


def test_a_filing_holds_its_keys_until_it_commits(app, passphrase):
    """PostgreSQL: the keys a filing checked are held until it ends, so a rotation's UPDATE that
    retires one waits for it (and a filing after the rotation sees the key retiring). SQLite
    has one writer, so the filing's INSERT already holds the whole database."""
    engine = app.extensions["ugly_mugs.engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    scheme_id, unit_id = current_keys(app)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as filing_session:
        filing.file_report(filing_session, new_report("holbeck"), CATEGORIES)
        with engine.connect() as rotating:
            for key_id in (scheme_id, unit_id):
                with pytest.raises(OperationalError), rotating.begin():
                    rotating.execute(select(GroupKey.id).where(GroupKey.id == key_id).with_for_update(nowait=True))
        filing_session.rollback()
    with engine.connect() as rotating, rotating.begin():
        assert rotating.scalar(select(GroupKey.id).where(GroupKey.id == scheme_id).with_for_update(nowait=True))


# Statements of one full-consent filing through the API with an Idempotency-Key: the replay
# check, the throttle counts read (both in one SELECT: a client past its limits is refused
# before anything is encrypted), the matching key version (held), then — the report encrypted —
# the two throttle counts, one INSERT per table (report, categories, sections, seals, blind
# indexes, consent history, idempotency record), which reports share his identifiers (one
# SELECT: a report sharing none links nobody, so nothing more is read) and the monitoring counts
# per day (one upsert, its own and its links'); PostgreSQL adds the idempotency key's advisory lock.
STATEMENTS = {"sqlite": 14, "postgresql": 15}


# The only read after the first write: who shares his identifiers, read in the transaction that
# stores his new ones.
def read_while_storing(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM IDENTIFIER_INDEX" in statement.upper()


# The number his earlier reports gave: none (the first filing warms the places, as on a running
# host), or one held by two reports already, so that the new report is linked and no other
# report's link changes: its own link is known without reading it back.
@pytest.mark.parametrize("earlier", [["07700 900123"], ["07700 900124"] * 2], ids=["shares-nothing", "linked"])
def test_a_full_consent_filing_takes_a_fixed_number_of_statements(app, client, passphrase, earlier):
    for number in earlier:
        file_api(client, phone_numbers=[number])
    engine = app.extensions["ugly_mugs.engine"]
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        file_api(client, phone_numbers=["07700 900124"], vehicle_registration="AB12 CDE")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(seen) == STATEMENTS[engine.dialect.name], "\n".join(s.split("\n")[0] for s in seen)
    # Everything slow is done before the first write, which on SQLite takes the one write lock
    # and on PostgreSQL locks the overall filing count's row until the commit: filings in other
    # processes never wait behind this one's encryption.
    first_write = next(i for i, s in enumerate(seen) if s.lstrip().upper().startswith("INSERT"))
    assert "throttle_window" in seen[first_write]
    storing = seen[first_write:]
    allowed = [s.lstrip().upper().startswith(("INSERT", "SELECT PG_ADV")) or read_while_storing(s) for s in storing]
    assert all(allowed), "\n".join(s.split("\n")[0] for s in storing)
    assert not any(s.lstrip().upper().startswith(("SELECT AREA", "SELECT GROUP_KEY")) for s in seen)
