"""Photos through the JSON API: base64 in the body, cleaned like the form's; every bad photo a
422 naming it, never a 500."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from tests.support import images
from tests.support.app import minimal_report
from ugly_mugs.models import ReportSection


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_photos_are_filed_by_what_they_show(client, passphrase, db_session):
    body = minimal_report(
        photos=[{"image": b64(images.encoded("PNG")), "shows_only_him": True}, {"image": b64(images.encoded("WEBP"))}]
    )
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    db_session.expire_all()
    names = db_session.scalars(
        select(ReportSection.name).where(ReportSection.name.like("photo%")).order_by(ReportSection.id)
    ).all()
    assert names == ["photo_about_him", "photo_identity"]


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ("not a list", "A list of objects"),
        ([1, 2], "A list of objects"),
        ([{"image": 5}], "Each photo is an object"),
        ([{"image": "", "other": 1}], "Each photo is an object"),
        ([{"image": "abc", "shows_only_him": "yes"}], "Each photo is an object"),
        ([{"image": "***"}], "not valid base64"),
        ([{"image": "é"}], "not valid base64"),
        ([{"image": b64(images.other_format("GIF"))}], "not a photo we can take"),
        ([{"image": b64(images.bomb())}], "too big to open safely"),
        ([{"image": ""}], "empty"),
        ([{"image": b64(images.encoded("PNG"))}] * 4, "at most 3 photos"),
    ],
)
def test_bad_photos_are_a_422_naming_the_problem(client, passphrase, db_session, photos, message):
    response = client.post("/api/v1/reports", json=minimal_report(photos=photos))
    assert response.status_code == 422, response.get_json()
    assert any(message in text for text in response.get_json()["errors"]["photos"])
    db_session.expire_all()
    assert db_session.scalar(select(ReportSection.id)) is None


def test_the_openapi_document_declares_photos(client):
    schema = client.get("/api/v1/openapi.json").get_json()
    text = str(schema)
    assert "shows_only_him" in text and "contentEncoding" in text
