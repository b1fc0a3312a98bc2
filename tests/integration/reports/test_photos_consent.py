"""Photos through the whole path: filed on the reporter's form, opened by coordinators after a
stated reason (audited, safe headers), by police only at the consent level that covers each
photo (checked against the raw unit key too), never in clear in the database, gone with the
report."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from tests.support import images
from tests.support.app import form_token, minimal_report
from tests.support.dbscan import raw_database
from tests.support.reading import scheme_pair, unit_pair
from tests.support.staff import create, csrf, grant, login
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.keys import erasure as erasure_keys
from ugly_mugs.keys import keystore
from ugly_mugs.models import AuditEntry, PoliceRelease, Report, ReportSection
from ugly_mugs.reports import reading, sections

ABOUT_HIM = reading.PhotoRef(sections.PHOTO_ABOUT_HIM, 1)
OF_HER = reading.PhotoRef(sections.PHOTO_IDENTITY, 1)
# Which photos a police unit can open at each consent level.
EXPECTED = {"alert_only": set(), "anonymous_intel": {ABOUT_HIM}, "full": {ABOUT_HIM, OF_HER}}


def file(client, level: str) -> str:
    data = minimal_report(form_token=form_token(client), consent_level=level, what_happened="He hit me hard.")
    data["photo"] = [(io.BytesIO(images.encoded("JPEG")), "car.jpg"), (io.BytesIO(images.encoded("WEBP")), "me.webp")]
    data["photo_about_him"] = ["1"]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True).split('id="receipt-code">')[1].split("<")[0]


def the_report(db_session) -> Report:
    db_session.expire_all()
    return db_session.scalar(select(Report))


def unit_opens(db_session, report, pair) -> set[reading.PhotoRef]:
    """Every photo whose any seal (whatever holder it is labelled with) the unit key pair opens."""
    key = erasure_keys.report_key(db_session, report.id)
    opened = set()
    for section in db_session.scalars(select(ReportSection).where(ReportSection.name.in_(sections.PHOTO_NAMES))):
        for seal in section.sealed_keys:
            for holder in (sections.UNIT, sections.SCHEME):
                try:
                    sections.open_with_key_pair(
                        pair, seal.sealed, report.id, section.name, section.version, holder, key
                    )
                except DecryptionError:
                    continue
                opened.add(reading.PhotoRef(section.name, section.version))
    return opened


def no_metadata(data: bytes) -> None:
    found = images.metadata_of(data)
    assert found["format"] == "JPEG" and found["gps"] == {} and found["exif"] == {} and found["info"] == {}


@pytest.mark.parametrize("level", sorted(EXPECTED))
def test_the_unit_key_opens_exactly_the_photos_consent_covers(client, passphrase, db_session, level):
    file(client, level)
    report = the_report(db_session)
    assert unit_opens(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id)) == EXPECTED[level]
    scheme = scheme_pair(db_session, passphrase)
    for ref in (ABOUT_HIM, OF_HER):
        data = reading.open_photo(
            db_session, report.id, ref, scheme, sections.SCHEME, keystore.scheme_key(db_session).id
        )
        no_metadata(data)


@pytest.mark.parametrize("level", ["anonymous_intel", "full"])
def test_police_see_a_photo_only_when_consent_covers_it(app, client, passphrase, db_session, level):
    receipt_code = file(client, level)
    reference = the_report(db_session).reference
    coordinator = create(app, "carla", "coordinator")
    grant(app, coordinator, passphrase)
    coord = app.test_client()
    assert login(coord, coordinator).status_code == 302
    token = csrf(coord, f"/coordinator/reports/{reference}")
    page = coord.post(f"/coordinator/reports/{reference}/open", data={"reason": "police", "csrf_token": token})
    assert page.get_data(as_text=True).count("Show photo") == 2
    for ref in (ABOUT_HIM, OF_HER):
        url = f"/coordinator/reports/{reference}/photos/{ref.name}/{ref.version}"
        assert coord.post(url, data={"csrf_token": token}).status_code == 400  # no reason, no photo
        shown = coord.post(url, data={"reason": "police", "csrf_token": token})
        assert shown.status_code == 200
        assert shown.headers["Content-Type"] == "image/jpeg"
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in shown.headers["Cache-Control"]
        assert shown.headers["Content-Disposition"].startswith("inline; filename=")
        no_metadata(shown.data)
        with Image.open(io.BytesIO(shown.data)) as image:
            assert image.size == (64, 32)
    assert (
        coord.post(
            f"/coordinator/reports/{reference}/photos/photo_identity/9", data={"reason": "police", "csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        coord.post(f"/coordinator/reports/{reference}/pass", data={"note": "", "csrf_token": token}).status_code == 302
    )

    officer = create(app, "pc.smith", "police")
    grant(app, officer, passphrase)
    police = app.test_client()
    assert login(police, officer).status_code == 302
    release_id = db_session.scalar(select(PoliceRelease.id))
    ptoken = csrf(police, f"/police/reports/{release_id}")
    opened = police.post(f"/police/reports/{release_id}/open", data={"reason": "investigation", "csrf_token": ptoken})
    assert opened.get_data(as_text=True).count("Show photo") == len(EXPECTED[level])
    for ref in (ABOUT_HIM, OF_HER):
        shown = police.post(
            f"/police/reports/{release_id}/photos/{ref.name}/{ref.version}",
            data={"reason": "investigation", "csrf_token": ptoken},
        )
        assert shown.status_code == (200 if ref in EXPECTED[level] else 404)
        if shown.status_code == 200:
            no_metadata(shown.data)
    # The exports carry the same photos: listed in the CSV, shown in the PDF.
    exported = {
        kind: police.post(
            f"/police/reports/{release_id}/export.{kind}", data={"reason": "investigation", "csrf_token": ptoken}
        )
        for kind in ("csv", "pdf")
    }
    assert exported["csv"].get_data(as_text=True).count("(in the PDF export)") == len(EXPECTED[level])
    assert exported["pdf"].data.count(b"/Subtype /Image") == len(EXPECTED[level])
    db_session.expire_all()
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert actions.count("photo_read") == 2
    assert actions.count("police_photo_read") == len(EXPECTED[level])

    # Withdrawn consent: nothing more for the officer.
    client.post("/api/v1/receipt/consent", json={"receipt_code": receipt_code, "consent_level": "alert_only"})
    again = police.post(
        f"/police/reports/{release_id}/photos/{ABOUT_HIM.name}/1",
        data={"reason": "investigation", "csrf_token": ptoken},
    )
    assert again.status_code == 404


def test_no_image_bytes_in_clear_in_the_database(client, passphrase, db_session, database_url):
    file(client, "full")
    report = the_report(db_session)
    scheme = scheme_pair(db_session, passphrase)
    stored = raw_database(database_url)
    cleaned = reading.open_photo(
        db_session, report.id, ABOUT_HIM, scheme, sections.SCHEME, keystore.scheme_key(db_session).id
    )
    for blob in (cleaned, images.encoded("JPEG"), images.encoded("WEBP")):
        # Every 32-byte window varied enough not to occur by chance (runs of zeros do).
        windows = [blob[i : i + 32] for i in range(0, len(blob) - 32, 16) if len(set(blob[i : i + 32])) >= 12]
        assert windows
        for window in windows:
            assert window not in stored and window.hex().encode() not in stored


def test_erasure_removes_the_photos(client, passphrase, db_session):
    code = file(client, "full")
    report = the_report(db_session)
    scheme = scheme_pair(db_session, passphrase)
    token = form_token(client, "/receipt")
    response = client.post("/receipt/delete", data={"receipt_code": code, "confirm": "yes", "form_token": token})
    assert response.status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(ReportSection).where(ReportSection.name.in_(sections.PHOTO_NAMES))).all() == []
    assert (
        reading.open_photo(
            db_session, report.id, ABOUT_HIM, scheme, sections.SCHEME, keystore.scheme_key(db_session).id
        )
        is None
    )
