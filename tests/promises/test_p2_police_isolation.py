"""What a police unit can reach, with two units configured (unit A: city centre and Holbeck;
unit B: Harehills, Chapeltown and elsewhere).

Proves that an "alert only" report leaves no key sealed to any unit, whether it is filed through
the form, the API or an outreach worker; that an officer of unit A reaches a report of unit B, or
one never passed on, by no route (list, detail, open, CSV and PDF export, acknowledge, outcome,
coordinator pages, every sequential id) and that each answer is byte for byte the one a
non-existent id gets, CSRF values aside; that an officer who was never given the unit key gets no
content; that with the raw database and the unit private key an "anonymous intelligence" report's
identity section opens through no stored sealed key; and that consent changes made with the
receipt code act on the officer's very next request: withdrawal leaves only "Consent withdrawn on
<date>", narrowing takes the reporter's identity away, raising makes the new sections readable.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from config import DEFAULT_AREAS, parse_choices, parse_units
from tests.support.app import form_token, make_app, minimal_report
from tests.support.reading import try_every_section
from tests.support.staff import create, csrf, login, signed_in
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.dates import local
from ugly_mugs.keys import keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import (
    AuditEntry,
    GroupKey,
    PoliceOutcome,
    PoliceRelease,
    PoliceUnit,
    Report,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.models.base import utcnow
from ugly_mugs.reports import sections

UNITS = "unit-a=Unit A:city-centre,holbeck;unit-b=Unit B:harehills,chapeltown,other"
WHAT = "IsoCanaryWhat he hit me with a bottle"
CONTACT = "IsoCanaryContact ring 0113 496 0777"
NAME = "IsoCanaryName"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")|(value=")[^"]*("[^>]*name="csrf_token")')


@pytest.fixture
def app(database_url):
    areas = parse_choices(DEFAULT_AREAS, "AREAS")
    app = make_app(database_url, POLICE_UNITS=parse_units(UNITS, {a.code for a in areas}))
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def unit_id(db, code: str) -> int:
    return db.scalar(select(PoliceUnit.id).where(PoliceUnit.code == code))


def file_api(client, level: str, area: str = "holbeck", **fields) -> tuple[str, str]:
    body = minimal_report(
        consent_level=level, area=area, what_happened=WHAT, contact=CONTACT, reporter_name=NAME, **fields
    )
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"], response.get_json()["receipt_code"]


def pass_on(coord, reference: str) -> None:
    token = csrf(coord, f"/coordinator/reports/{reference}")
    response = coord.post(f"/coordinator/reports/{reference}/pass", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def release_of(db, reference: str) -> PoliceRelease:
    db.expire_all()
    return db.scalar(
        select(PoliceRelease).join(Report, Report.id == PoliceRelease.report_id).where(Report.reference == reference)
    )


def unit_seal_rows(db) -> int:
    """Sealed section keys that any police unit key could open, whatever their holder label."""
    db.expire_all()
    unit_keys = select(GroupKey.id).where(GroupKey.kind == keystore.UNIT)
    return db.scalar(
        select(func.count())
        .select_from(SealedSectionKey)
        .where((SealedSectionKey.holder == sections.UNIT) | SealedSectionKey.group_key_id.in_(unit_keys))
    )


def unit_pairs(db, passphrase: str) -> dict[str, object]:
    opened = keystore.open_group_keys(db, passphrase)
    return {unit.code: opened[keystore.unit_key(db, unit.id).id] for unit in db.scalars(select(PoliceUnit))}


def normalised(response) -> tuple[int, str]:
    body = response.get_data(as_text=True)
    return response.status_code, CSRF_VALUE.sub(
        lambda m: (m.group(1) or m.group(3)) + "X" + (m.group(2) or m.group(4)), body
    )


def test_alert_only_leaves_no_police_seal_whatever_the_filing_route(app, passphrase, db_session, clock):
    reporter = app.test_client()
    references = []
    for area in ("holbeck", "harehills"):
        references.append(file_api(reporter, "alert_only", area)[0])
        form = minimal_report(area=area, what_happened=WHAT, contact=CONTACT, form_token=form_token(reporter))
        response = reporter.post("/report", data=form)
        assert response.status_code == 200, response.get_data(as_text=True)
        references.append(re.search(r"(UM-[0-9A-Z]{7})", response.get_data(as_text=True)).group(1))

    olga = create(app, "olga", "outreach", project="Basis")
    worker = app.test_client()
    assert login(worker, olga).status_code == 302
    for area in ("holbeck", "harehills"):
        data = {
            **minimal_report(area=area, what_happened=WHAT, contact=CONTACT),
            "contact_via_project": "ask at the drop-in",
            "attested": "y",
            "csrf_token": csrf(worker, "/outreach/report"),
        }
        response = worker.post("/outreach/report", data=data)
        assert response.status_code == 200, response.get_data(as_text=True)
        references.append(re.search(r"Reference: <strong>(UM-[0-9A-Z]+)</strong>", response.get_data(as_text=True))[1])

    db_session.expire_all()
    reports = db_session.scalars(select(Report).where(Report.reference.in_(references))).all()
    assert len(reports) == 6
    assert {r.consent_level for r in reports} == {"alert_only"}
    assert {r.reporter_type for r in reports} >= {"outreach"}
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) >= 12
    assert unit_seal_rows(db_session) == 0
    pairs = unit_pairs(db_session, passphrase)
    for report in reports:
        for pair in pairs.values():
            assert try_every_section(db_session, report, pair) == set()

    # The count would see a police seal if there were one.
    file_api(reporter, "anonymous_intel", "harehills")
    assert unit_seal_rows(db_session) == 2


def test_officer_of_another_unit_reaches_nothing_by_any_route(app, passphrase, db_session, clock):
    reporter = app.test_client()
    ref_a, _ = file_api(reporter, "full", "holbeck")
    ref_b, _ = file_api(reporter, "full", "harehills")
    ref_kept, _ = file_api(reporter, "full", "city-centre")
    coord = signed_in(app, passphrase, "carla", "coordinator")[0]
    pass_on(coord, ref_a)
    pass_on(coord, ref_b)
    a, b = unit_id(db_session, "unit-a"), unit_id(db_session, "unit-b")
    release_a, release_b = release_of(db_session, ref_a), release_of(db_session, ref_b)
    assert (release_a.police_unit_id, release_b.police_unit_id) == (a, b)
    assert release_of(db_session, ref_kept) is None

    officer_a, _ = signed_in(app, passphrase, "pc.adams", "police", unit_id=a)
    officer_b, _ = signed_in(app, passphrase, "pc.brown", "police", unit_id=b)

    listing = officer_a.get("/police/reports").get_data(as_text=True)
    assert ref_a in listing and ref_b not in listing and ref_kept not in listing
    searched = officer_a.get(f"/police/reports?q={ref_b}&reference={ref_b}").get_data(as_text=True)
    assert ref_b not in searched and ref_kept not in searched

    token = csrf(officer_a, f"/police/reports/{release_a.id}")

    def every_route(release_id: int) -> list[tuple[int, str]]:
        base = f"/police/reports/{release_id}"
        reason = {"reason": "investigation", "csrf_token": token}
        outcome = {
            "outcome": "charged",
            "outcome_date": "2026-11-21",
            "crime_reference": "13/1/26",
            "csrf_token": token,
        }
        return [
            normalised(officer_a.get(base)),
            normalised(officer_a.post(base + "/open", data=reason)),
            normalised(officer_a.post(base + "/export.csv", data=reason)),
            normalised(officer_a.post(base + "/export.pdf", data=reason)),
            normalised(officer_a.post(base + "/acknowledge", data={"csrf_token": token})),
            normalised(officer_a.post(base + "/outcome", data=outcome)),
        ]

    missing = every_route(10_000)
    assert {status for status, _ in missing} == {404}
    top = max(release_a.id, release_b.id)
    for release_id in [release_b.id, 0, *range(1, top + 4)]:
        if release_id == release_a.id:
            continue
        answers = every_route(release_id)
        assert answers == missing, release_id
        assert not any(ref_b in body or WHAT in body or CONTACT in body for _, body in answers)
    for path in (f"/coordinator/reports/{ref_b}", f"/coordinator/reports/{ref_kept}"):
        assert normalised(officer_a.get(path)) == normalised(officer_a.get("/coordinator/reports/UM-ZZZZZZZ"))
        assert officer_a.get(path).status_code in (403, 404)

    # Nothing was recorded against unit B's report by unit A's officer.
    db_session.expire_all()
    assert release_of(db_session, ref_b).acknowledged_at is None
    assert db_session.scalar(select(func.count()).select_from(PoliceOutcome)) == 0
    report_b = db_session.scalar(select(Report.id).where(Report.reference == ref_b))
    assert db_session.scalars(select(AuditEntry.action).where(AuditEntry.report_id == report_b)).all() == [
        "police_release"
    ]

    # The same routes do work, for the unit the report was passed to.
    token_b = csrf(officer_b, f"/police/reports/{release_b.id}")
    opened = officer_b.post(
        f"/police/reports/{release_b.id}/open", data={"reason": "investigation", "csrf_token": token_b}
    ).get_data(as_text=True)
    assert WHAT in opened and CONTACT in opened
    own = officer_a.post(f"/police/reports/{release_a.id}/open", data={"reason": "investigation", "csrf_token": token})
    assert own.status_code == 200 and WHAT in own.get_data(as_text=True)


def test_officer_without_the_unit_key_gets_no_content(app, passphrase, db_session, clock):
    reporter = app.test_client()
    reference, _ = file_api(reporter, "full", "holbeck")
    pass_on(signed_in(app, passphrase, "carla", "coordinator")[0], reference)
    item = release_of(db_session, reference)
    officer, user = signed_in(app, passphrase, "pc.new", "police", unit_id=unit_id(db_session, "unit-a"), granted=False)

    assert reference in officer.get("/police/reports").get_data(as_text=True)
    token = csrf(officer, f"/police/reports/{item.id}")
    data = {"reason": "investigation", "csrf_token": token}
    for path in ("open", "export.csv", "export.pdf"):
        response = officer.post(f"/police/reports/{item.id}/{path}", data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 403, path
        assert response.mimetype == "text/html"
        assert "You do not hold your unit" in body
        assert WHAT not in body and CONTACT not in body and NAME not in body
    db_session.expire_all()
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).all()
    assert "police_read" not in actions and "police_export" not in actions


def test_unit_key_cannot_open_an_anonymous_reports_identity_from_the_raw_database(app, passphrase, database_url, clock):
    reporter = app.test_client()
    reference, _ = file_api(reporter, "anonymous_intel", "holbeck")
    pass_on(signed_in(app, passphrase, "carla", "coordinator")[0], reference)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        item = release_of(db, reference)
        officer, _ = signed_in(app, passphrase, "pc.adams", "police", unit_id=unit_id(db, "unit-a"))
    token = csrf(officer, f"/police/reports/{item.id}")
    seen = officer.post(f"/police/reports/{item.id}/open", data={"reason": "intelligence", "csrf_token": token})
    assert WHAT in seen.get_data(as_text=True) and CONTACT not in seen.get_data(as_text=True)

    # A fresh connection to the database file, as someone holding a copy of it and the unit key would use.
    engine = create_engine(database_url)
    try:
        with Session(engine) as raw:
            opened = keystore.open_group_keys(raw, passphrase)
            report = raw.scalar(select(Report).where(Report.reference == reference))
            unit_a = opened[keystore.unit_key(raw, report.police_unit_id).id]
            unit_b = opened[keystore.unit_key(raw, unit_id(raw, "unit-b")).id]
            scheme = opened[keystore.scheme_key(raw).id]
            rows = raw.execute(
                select(ReportSection, SealedSectionKey.sealed).join(
                    SealedSectionKey, SealedSectionKey.section_id == ReportSection.id
                )
            ).all()
            assert {s.name for s, _ in rows} == {"identity", "incident", "perpetrator"}

            # The worst case: the key store is stolen too, so the report's erasure key is known.
            keys, _ = app.extensions["ugly_mugs.keystore"].lookup([report.id])
            erasure_key = ReportKey(report.id, keys[report.id])

            def opens(pair) -> set[str]:
                found = set()
                for section, sealed in rows:
                    for holder in (sections.SCHEME, sections.UNIT, sections.RECEIPT):
                        try:
                            key = sections.open_with_key_pair(
                                pair, sealed, report.id, section.name, section.version, holder, erasure_key
                            )
                        except DecryptionError:
                            continue
                        content = sections.decrypt_section(
                            key, report.id, section.name, section.version, section.ciphertext
                        )
                        found.add(section.name)
                        if section.name == "identity":
                            assert content["contact"] == CONTACT
                return found

            assert opens(unit_a) == {"incident", "perpetrator"}
            assert opens(unit_b) == set()
            # The identity section is there and whole: the scheme key opens it.
            assert opens(scheme) == {"identity", "incident", "perpetrator"}
    finally:
        engine.dispose()


def receipt_consent(reporter, code: str, level: str) -> str:
    response = reporter.post(
        "/receipt/consent",
        data={"receipt_code": code, "consent_level": level, "form_token": form_token(reporter, "/receipt")},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def passed_on(app, passphrase, db, level: str):
    """A report of unit A at ``level``, passed on, and a logged-in officer of unit A holding the key."""
    reporter = app.test_client()
    reference, code = file_api(reporter, level, "holbeck")
    pass_on(signed_in(app, passphrase, "carla", "coordinator")[0], reference)
    item = release_of(db, reference)
    officer, _ = signed_in(app, passphrase, "pc.adams", "police", unit_id=unit_id(db, "unit-a"))
    token = csrf(officer, f"/police/reports/{item.id}")
    return reporter, code, officer, item, token


def test_withdrawal_with_the_receipt_code_leaves_the_officer_nothing_at_once(app, passphrase, db_session, clock):
    reporter, code, officer, item, token = passed_on(app, passphrase, db_session, "full")
    reason = {"reason": "investigation", "csrf_token": token}
    before = officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    assert WHAT in before and CONTACT in before

    receipt_consent(reporter, code, "alert_only")
    # The day as the portal shows it: local to the scheme's time zone.
    withdrawn = f"Consent withdrawn on {local.shown_day(utcnow(), local.load(app.config['TIMEZONE']))}"
    assert unit_seal_rows(db_session) == 0
    for response in (
        officer.get(f"/police/reports/{item.id}"),
        officer.post(f"/police/reports/{item.id}/open", data=reason),
        officer.post(f"/police/reports/{item.id}/export.csv", data=reason),
        officer.post(f"/police/reports/{item.id}/export.pdf", data=reason),
    ):
        body = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert withdrawn in body
        assert WHAT not in body and CONTACT not in body and NAME not in body
    assert withdrawn in officer.get("/police/reports").get_data(as_text=True)
    db_session.expire_all()
    exports = db_session.scalar(select(func.count()).where(AuditEntry.action == "police_export"))
    assert exports == 0


def test_narrowing_to_anonymous_intelligence_takes_the_identity_away(app, passphrase, db_session, clock):
    reporter, code, officer, item, token = passed_on(app, passphrase, db_session, "full")
    reason = {"reason": "investigation", "csrf_token": token}
    assert CONTACT in officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)

    receipt_consent(reporter, code, "anonymous_intel")
    body = officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    assert WHAT in body
    assert CONTACT not in body and NAME not in body
    assert "identity and contact details are withheld" in body
    assert "Consent withdrawn" not in body
    csv_text = officer.post(f"/police/reports/{item.id}/export.csv", data=reason).get_data(as_text=True)
    assert WHAT in csv_text and CONTACT not in csv_text and ",identity," not in csv_text


def test_raising_consent_after_release_makes_the_new_sections_readable(app, passphrase, db_session, clock):
    reporter, code, officer, item, token = passed_on(app, passphrase, db_session, "anonymous_intel")
    reason = {"reason": "investigation", "csrf_token": token}
    first = officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    assert WHAT in first and CONTACT not in first

    receipt_consent(reporter, code, "full")
    body = officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    assert WHAT in body and CONTACT in body and NAME in body
    assert "identity and contact details are withheld" not in body

    # Withdrawn and then given again: the officer can read it again.
    receipt_consent(reporter, code, "alert_only")
    assert CONTACT not in officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    receipt_consent(reporter, code, "full")
    again = officer.post(f"/police/reports/{item.id}/open", data=reason).get_data(as_text=True)
    assert CONTACT in again and "Consent withdrawn" not in again
