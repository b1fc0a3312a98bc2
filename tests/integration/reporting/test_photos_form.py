"""Photos on the reporter's form and the outreach worker's: kept in memory, never spooled to a
temporary file; every bad photo a clear 400 with what she typed kept; a good one stored as an
encrypted section with only its pixels."""

from __future__ import annotations

import io
import os
import tempfile

import pytest
import werkzeug.formparser
from PIL import Image
from sqlalchemy import select

from tests.support import images
from tests.support.app import form_token, minimal_report
from ugly_mugs.models import Report, ReportSection

MB = 1024 * 1024


def post(client, photos=(), about_him=(), **fields):
    data = minimal_report(form_token=form_token(client), place="Under the railway bridge", **fields)
    data["photo"] = [(io.BytesIO(content), name) for content, name in photos]
    data["photo_about_him"] = [str(n) for n in about_him]
    return client.post("/report", data=data, content_type="multipart/form-data")


def stored_photos(db_session) -> list[tuple[str, int]]:
    db_session.expire_all()
    return [
        (s.name, s.version)
        for s in db_session.scalars(
            select(ReportSection).where(ReportSection.name.like("photo%")).order_by(ReportSection.id)
        )
    ]


def test_the_form_asks_for_photos(client):
    page = client.get("/report").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert page.count('type="file"') == 3
    assert 'accept="image/jpeg,image/png,image/webp"' in page


def test_photos_are_filed_as_sections_by_what_they_show(client, passphrase, db_session):
    response = post(
        client,
        photos=[
            (images.encoded("JPEG"), "car.jpg"),
            (images.encoded("PNG"), "me.png"),
            (images.encoded("WEBP"), "chat.webp"),
        ],
        about_him=[1, 3],
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Keep this code safe" in response.get_data(as_text=True)
    assert stored_photos(db_session) == [("photo_about_him", 1), ("photo_identity", 1), ("photo_about_him", 2)]


def test_uploads_never_touch_the_disk(client, passphrase, db_session, monkeypatch):
    spooled = []

    def refuse(*args, **kwargs):
        spooled.append(args)
        raise AssertionError("an upload was spooled to a temporary file")

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    # Noise does not compress: well over Werkzeug's 500 KB in-memory threshold.
    noisy = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(noisy, "PNG")
    assert len(noisy.getvalue()) > 600 * 1024
    response = post(client, photos=[(noisy.getvalue(), "noise.png"), (images.encoded("JPEG"), "car.jpg")])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert not spooled
    assert len(stored_photos(db_session)) == 2


def _disguised_gif() -> bytes:
    return images.other_format("GIF")


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([(_disguised_gif(), "car.jpg")], "not a photo we can take"),
        ([(b"hello, not a picture", "plate.png")], "not a photo we can take"),
        ([(images.encoded("JPEG", size=(400, 300))[:900], "cut.jpg")], "could not be read"),
        ([(images.bomb(), "bomb.png")], "too big to open safely"),
        ([(b"\xff\xd8" + b"\0" * (4 * MB + 10), "huge.jpg")], "larger than 4 MB"),
    ],
    ids=["gif-as-jpg", "text-as-png", "truncated", "bomb", "too-large"],
)
def test_a_bad_photo_is_a_clear_400_and_keeps_what_she_typed(client, passphrase, db_session, photos, message):
    response = post(client, photos=photos, about_him=[1])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Under the railway bridge" in page
    assert "Choose the photos again" in page
    assert 'id="photo-1-about-him" name="photo_about_him" value="1" checked' in page
    assert db_session.scalar(select(Report.id)) is None


def test_too_many_photos_are_a_clear_400(client, passphrase, db_session):
    one = (images.encoded("PNG"), "a.png")
    response = post(client, photos=[one] * 4)
    assert response.status_code == 400
    assert "at most 3 photos" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "sizes",
    [[3 * MB], [1 * MB, 1 * MB, 1 * MB], [MB // 2, 3 * MB, MB // 2]],
    ids=["one-huge", "three-together", "one-of-three"],
)
def test_photos_too_large_together_cost_only_the_photos(app, client, passphrase, db_session, sizes):
    # Bodies between the photo limit and the form's read limit are read for what she typed:
    # the photos are dropped as they come, and the form asks for smaller ones.
    app.config["PHOTO_REQUEST_BYTES"] = 2 * MB
    photos = [(b"\xff\xd8" + b"\0" * size, f"big{n}.jpg") for n, size in enumerate(sizes)]
    response = post(client, photos=photos, about_him=[1], what_happened="He followed me from the bus station.")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "too large to send together" in page and "Choose the photos again" in page
    assert "Under the railway bridge" in page and "He followed me from the bus station." in page
    assert 'id="photo-1-about-him" name="photo_about_him" value="1" checked' in page
    assert db_session.scalar(select(Report.id)) is None


def test_a_body_over_the_form_read_limit_is_a_friendly_413(app, client):
    app.config["PHOTO_REQUEST_BYTES"] = 2 * MB
    app.config["PHOTO_FORM_READ_BYTES"] = 3 * MB
    response = post(client, photos=[(b"\xff\xd8" + b"\0" * (4 * MB), "huge.jpg")])
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True).lower()


def test_photos_over_the_limit_are_never_kept_whole_in_memory(app, client, monkeypatch):
    # What the request keeps of its files stays within PHOTO_REQUEST_BYTES, whatever is sent.
    from ugly_mugs.web import boundary

    kept: dict[int, int] = {}
    write = boundary._BudgetedFile.write

    def counting(self, data):
        written = write(self, data)
        kept[id(self)] = self.getbuffer().nbytes
        return written

    monkeypatch.setattr(boundary._BudgetedFile, "write", counting)
    app.config["PHOTO_REQUEST_BYTES"] = 2 * MB
    post(client, photos=[(b"\xff\xd8" + b"\0" * (3 * MB), f"big{n}.jpg") for n in range(3)])
    assert len(kept) == 3 and 0 < sum(kept.values()) <= 2 * MB


def test_other_routes_keep_the_small_body_limit(client):
    response = client.post(
        "/receipt",
        data={"receipt_code": "x", "photo": (io.BytesIO(b"\0" * (600 * 1024)), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_the_same_page_sent_twice_files_once_and_other_photos_are_another_report(client, passphrase, db_session):
    token = form_token(client)

    def send(photo: bytes):
        data = minimal_report(form_token=token, place="Under the railway bridge")
        data["photo"] = [(io.BytesIO(photo), "car.png")]
        return client.post("/report", data=data, content_type="multipart/form-data")

    # One encoding sent twice: an ICC profile made anew carries the second it was made in.
    photo = images.encoded("PNG")
    first, again = send(photo), send(photo)
    assert first.status_code == 200 and again.status_code == 200
    assert len(stored_photos(db_session)) == 1, "the second press filed nothing"
    other = send(images.encoded("PNG", size=(80, 40)))
    assert other.status_code == 409
    assert "already sent once, with other answers" in other.get_data(as_text=True)
    assert len(stored_photos(db_session)) == 1


# "About him" ticks that name no photo slot: digits int() refuses or that are too many, other
# scripts' digits, signs, nothing. The tick is ignored and the photo is filed as not about him.
NO_SLOT = ["9" * 5000, "²", "①", "٣", "-1", "+1", "1.0", "0", "4", "0001", ""]


@pytest.mark.parametrize("tick", NO_SLOT, ids=[repr(t[:6]) for t in NO_SLOT])
def test_a_tick_that_names_no_photo_slot_is_ignored(client, passphrase, db_session, tick):
    response = post(client, photos=[(images.encoded("JPEG"), "car.jpg")], about_him=[tick])
    assert response.status_code == 200, response.status_code
    assert "Keep this code safe" in response.get_data(as_text=True)
    assert stored_photos(db_session) == [("photo_identity", 1)]
