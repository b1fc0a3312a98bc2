"""Photos in a real Chromium on a phone with JavaScript off: a photo with GPS tags is attached
to a report through the live gunicorn server, and the stored photo, opened with the scheme key,
has none; a disguised file comes back as a clear error with what was typed kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.support import images
from tests.support.app import make_app
from ugly_mugs.keys import keystore
from ugly_mugs.keys.keystore import open_group_keys
from ugly_mugs.models import Report
from ugly_mugs.reports import reading, sections

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 640}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True)
    yield context.new_page()
    context.close()


def fill_minimum(page, origin: str) -> None:
    page.goto(origin + "/report")
    page.get_by_label("Date it happened").fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_label("Area", exact=True).select_option(label="Holbeck")
    page.get_by_label("What happened?").fill("He would not let me out of the car.")


def test_a_photo_with_gps_is_stored_without_it(phone, live_server, tmp_path):
    jpeg = tmp_path / "car.jpg"
    jpeg.write_bytes(images.encoded("JPEG"))
    assert images.metadata_of(jpeg.read_bytes())["gps"]
    fill_minimum(phone, live_server.base_url)
    phone.get_by_label("Photo 1").set_input_files(str(jpeg))
    phone.locator("#photo-1-about-him").check()
    phone.get_by_role("button", name="Send report").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you. Your report has been sent.")
    reference = phone.locator(".reference").inner_text().strip()

    app = make_app(live_server.database_url)
    try:
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            report = session.scalar(select(Report).where(Report.reference == reference))
            pair = open_group_keys(session, live_server.passphrase)[keystore.scheme_key(session).id]
            opened = reading.open_with_scheme_key(session, report.id, pair)
            assert opened.photos == (reading.PhotoRef(sections.PHOTO_ABOUT_HIM, 1),)
            stored = reading.open_photo(
                session, report.id, opened.photos[0], pair, sections.SCHEME, keystore.scheme_key(session).id
            )
    finally:
        app.extensions["ugly_mugs.engine"].dispose()
        app.extensions["ugly_mugs.keystore"].dispose()
    found = images.metadata_of(stored)
    assert found["gps"] == {} and found["exif"] == {} and found["info"] == {}


def test_a_disguised_file_is_refused_and_the_text_kept(phone, live_server, tmp_path):
    fake = tmp_path / "plate.jpg"
    fake.write_bytes(images.other_format("GIF"))
    fill_minimum(phone, live_server.base_url)
    phone.get_by_label("Photo 1").set_input_files(str(fake))
    phone.get_by_role("button", name="Send report").click()
    expect(phone.locator("#photo-error")).to_contain_text("not a photo we can take")
    expect(phone.get_by_label("What happened?")).to_have_value("He would not let me out of the car.")
