"""Reports stored by an earlier release, brought under identity-level withholding by
``flask --app wsgi reports withhold`` (``ugly_mugs.reports.reclassify``).

A report is stored as the earlier release stored it (where he took her in the perpetrator
section, her numbers in what happened, a covering note naming her), sealed to the unit at
"anonymous intelligence". After the command, the unit key opens none of that, coordinators read
it as she wrote it, a second run changes nothing, and consent still works both ways: raised by
the reporter (the new identity version has no receipt seal, and is left for staff) and recorded
by two coordinators (who seal it with the scheme key).
"""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.support.reading import readable_sections, rewrite_section, scheme_pair, unit_pair
from tests.support.staff import create
from ugly_mugs.consent import staff as consent_staff
from ugly_mugs.keys import keystore, sealed_text
from ugly_mugs.models import Account, PoliceRelease, Report
from ugly_mugs.police import release
from ugly_mugs.reports import reading

INCIDENT = {
    "what_happened": "He rang me on 07700 900555; I'm Roxanne, my number is 07700 900123.",
    "part_of_day": "night",
}
PERPETRATOR = {"where_taken": "my flat on Tannery Road", "phone_numbers": ["07700 900999"], "hair": "dark"}


def legacy(client, passphrase, db_session) -> tuple[Report, str]:
    response = client.post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "consent_level": "anonymous_intel",
            "reporter_name": "Roxanne",
            "contact": "07700 900123",
            "what_happened": "He hit me.",
        },
    )
    assert response.status_code == 201
    report = db_session.scalar(select(Report))
    pair = scheme_pair(db_session, passphrase)
    rewrite_section(db_session, report, "incident", 1, INCIDENT, pair)
    rewrite_section(db_session, report, "perpetrator", 1, PERPETRATOR, pair)
    coordinator = db_session.scalar(select(Account)) or _coordinator(db_session)
    item = release.pass_on(db_session, report, coordinator)
    item.note, item.note_key_scheme, item.note_key_unit = release.seal_staff_text(
        db_session,
        "Her name is Roxanne, ring 07700 900123.",
        report.id,
        report.police_unit_id,
        sealed_text.release_note_context(item.id),
    )
    db_session.commit()
    return report, response.get_json()["receipt_code"]


def _coordinator(db_session) -> Account:
    from tests.support.alerting import publisher

    return db_session.get(Account, publisher(db_session))


def unit_view(db_session, passphrase, report) -> str:
    opened = readable_sections(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id), "unit")
    item = db_session.scalar(select(PoliceRelease))
    note = release.note_for(db_session, item, unit_pair(db_session, passphrase, report.police_unit_id), "unit")
    return json.dumps(opened) + note


def test_withhold_brings_an_old_report_under_identity_level(app, runner, passphrase, db_session):
    report, _ = legacy(app.test_client(), passphrase, db_session)
    before = unit_view(db_session, passphrase, report)
    assert "Tannery" in before and "900123" in before and "Roxanne" in before

    result = runner.invoke(args=["reports", "withhold"], input=passphrase + "\n")
    assert result.exit_code == 0, result.output
    assert "sections stored again: 2; fields withheld: 2; covering notes: 1" in result.output

    db_session.expire_all()
    after = unit_view(db_session, passphrase, report)
    for hers in ("Tannery", "900123", "Roxanne", "900555", "my flat"):
        assert hers not in after, hers
    assert "07700 900999" in after and "[withheld]" in after and "dark" in after
    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase))
    assert opened.sections["incident"] == [INCIDENT]
    assert opened.sections["perpetrator"] == [PERPETRATOR]

    again = runner.invoke(args=["reports", "withhold"], input=passphrase + "\n")
    assert "sections stored again: 0; fields withheld: 0; covering notes: 0" in again.output
    assert runner.invoke(args=["reports", "withhold"], input="wrong words\n").exit_code != 0


def test_consent_after_withholding(app, runner, passphrase, db_session):
    client = app.test_client()
    report, code = legacy(client, passphrase, db_session)
    runner.invoke(args=["reports", "withhold"], input=passphrase + "\n")
    # Raised by the reporter: every version she can open is sealed to the unit; the version the
    # command wrote has no receipt seal, so police still see the withheld marks.
    answer = client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "full"})
    assert answer.status_code == 200, answer.get_json()
    db_session.expire_all()
    unit = unit_pair(db_session, passphrase, report.police_unit_id)
    seen = readable_sections(db_session, report, unit, "unit")
    assert len(seen["identity"]) == 1 and "[withheld]" in json.dumps(seen["incident"])
    # Confirmed by two coordinators (the level as it is): the rest is sealed with the scheme key.
    first = create(app, "carla", "coordinator")
    second = create(app, "dana", "coordinator")
    request = consent_staff.record(db_session, report, db_session.get(Account, first.id), "full", "phone")
    pair = scheme_pair(db_session, passphrase)
    consent_staff.decide(db_session, request, db_session.get(Account, second.id), pair, True)
    db_session.commit()
    unit_id = keystore.unit_key(db_session, report.police_unit_id).id
    police = reading.open_sections(db_session, report.id, unit, "unit", unit_id)
    assert police.sections["incident"] == [INCIDENT] and police.sections["perpetrator"] == [PERPETRATOR]
