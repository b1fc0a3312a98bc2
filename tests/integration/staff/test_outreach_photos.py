"""Photos on the outreach worker's form: the same slots, cleaning and classification as the
reporter's; a photo over the form's ordinary body limit is taken (its route has the photo
limit, also for the CSRF check that reads the body first); a bad photo shows the form back
with what was typed and the ticks kept."""

from __future__ import annotations

import io
import os

from PIL import Image
from sqlalchemy import func, select

from tests.integration.staff.test_outreach import CANARIES, outreach_form
from tests.support import images
from tests.support.staff import create, login
from ugly_mugs.models import Report, ReportSection


def noise_png() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3)).save(out, "PNG")
    assert len(out.getvalue()) > 600 * 1024  # over MAX_CONTENT_LENGTH (512 KB) on its own
    return out.getvalue()


def post(worker, photos, about_him=()):
    data = outreach_form(worker)
    data["photo"] = [(io.BytesIO(content), name) for content, name in photos]
    data["photo_about_him"] = [str(n) for n in about_him]
    return worker.post("/outreach/report", data=data, content_type="multipart/form-data")


def test_an_outreach_worker_attaches_photos(app, passphrase, db_session, clock):
    olga = create(app, "olga", "outreach", project="Basis")
    worker = app.test_client()
    assert login(worker, olga).status_code == 302
    page = worker.get("/outreach/report").get_data(as_text=True)
    assert page.count('type="file"') == 3 and 'enctype="multipart/form-data"' in page
    assert "nothing about the person" in page and "nothing about me" not in page
    response = post(worker, [(noise_png(), "plate.png"), (images.encoded("JPEG"), "her.jpg")], about_him=[1])
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    db_session.expire_all()
    names = db_session.scalars(
        select(ReportSection.name).where(ReportSection.name.like("photo%")).order_by(ReportSection.id)
    ).all()
    assert names == ["photo_about_him", "photo_identity"]


def test_a_bad_photo_shows_the_outreach_form_back(app, passphrase, db_session, clock):
    olga = create(app, "olga", "outreach", project="Basis")
    worker = app.test_client()
    assert login(worker, olga).status_code == 302
    response = post(worker, [(images.other_format("GIF"), "car.jpg")], about_him=[1])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "not a photo we can take" in page and CANARIES["what_happened"] in page
    assert 'value="1" checked' in page
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_photos_too_large_together_show_the_outreach_form_back(app, passphrase, db_session, clock):
    app.config["PHOTO_REQUEST_BYTES"] = 2 * 1024 * 1024
    olga = create(app, "olga", "outreach", project="Basis")
    worker = app.test_client()
    assert login(worker, olga).status_code == 302
    big = b"\xff\xd8" + b"\0" * (1024 * 1024)
    response = post(worker, [(big, "a.jpg"), (big, "b.jpg"), (big, "c.jpg")], about_him=[2])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too large to send together" in page and CANARIES["what_happened"] in page
    assert 'value="2" checked' in page
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0
