"""The JSON API for partner apps: same validation as the form, 201 with reference and receipt
code, receipt status and consent changes, and every real response matching the OpenAPI 3.1
document served at /api/v1/openapi.json.
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from tests.support.app import make_app, minimal_report
from ugly_mugs.models import Report

DOC_URI = "urn:ugly-mugs:openapi"


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator(openapi: dict, ref: str) -> Draft202012Validator:
    registry = Registry().with_resource(DOC_URI, Resource.from_contents(openapi, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{DOC_URI}{ref}"}, registry=registry)


def check(openapi: dict, path: str, response, request_body=None) -> None:
    """The response's status is documented for this operation and its body matches the schema."""
    operation = openapi["paths"][path]["post"]
    documented = operation["responses"]
    status = str(response.status_code)
    assert status in documented, f"{path} answered {status}, which the document does not list"
    content_type = response.mimetype
    assert content_type == ("application/problem+json" if response.status_code >= 400 else "application/json")
    schema_ref = documented[status]["content"][content_type]["schema"]["$ref"]
    validator(openapi, schema_ref).validate(response.get_json())
    if request_body is not None and response.status_code < 400:
        request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        validator(openapi, request_ref).validate(request_body)


def test_document_is_openapi_31(openapi):
    assert openapi["openapi"].startswith("3.1")
    Draft202012Validator.check_schema(openapi["components"]["schemas"]["NewReport"])
    for path in ("/api/v1/reports", "/api/v1/receipt/status", "/api/v1/receipt/consent"):
        assert "post" in openapi["paths"][path]


def test_submit_status_consent_roundtrip(client, passphrase, openapi, db_session):
    body = minimal_report(categories=["robbery"], phone_numbers=["07700 900123"], consent_level="anonymous_intel")
    filed = client.post("/api/v1/reports", json=body)
    assert filed.status_code == 201
    check(openapi, "/api/v1/reports", filed, body)
    code = filed.get_json()["receipt_code"]

    status = client.post("/api/v1/receipt/status", json={"receipt_code": code.lower()})
    assert status.status_code == 200
    check(openapi, "/api/v1/receipt/status", status, {"receipt_code": code})
    assert status.get_json()["consent_level"] == "anonymous_intel"
    assert status.get_json()["reference"] == filed.get_json()["reference"]

    change = {"receipt_code": code, "consent_level": "full"}
    changed = client.post("/api/v1/receipt/consent", json=change)
    assert changed.status_code == 200
    check(openapi, "/api/v1/receipt/consent", changed, change)
    assert [h["consent_level"] for h in changed.get_json()["consent_history"]] == ["anonymous_intel", "full"]
    assert db_session.scalar(select(func.count()).select_from(Report)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"area": "holbeck", "what_happened": "x"}, "incident_date"),
        (minimal_report(area="atlantis"), "area"),
        (minimal_report(what_happened=""), "what_happened"),
        (minimal_report(incident_date=20261120), "incident_date"),
        (minimal_report(categories="robbery"), "categories"),
        (minimal_report(categories=[1, 2]), "categories"),
        (minimal_report(what_happened={"nested": True}), "what_happened"),
        (minimal_report(consent_level="everything"), "consent_level"),
        (minimal_report(form_token="x"), "form_token"),
        (minimal_report(surprise="x"), "surprise"),
        (minimal_report(place="p" * 201), "place"),
    ],
)
def test_bad_reports_get_422_with_field_messages(client, passphrase, openapi, db_session, body, field):
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 422
    check(openapi, "/api/v1/reports", response)
    assert field in response.get_json()["errors"]
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("{not json", "application/json", 400),
        ("incident_date=2026-11-20", "application/x-www-form-urlencoded", 415),
        ('{"incident_date": "2026-11-20", "area": "holbeck", "what_happened": "\\ud800"}', "application/json", 201),
    ],
)
def test_malformed_bodies(client, passphrase, openapi, data, content_type, status):
    response = client.post("/api/v1/reports", data=data, content_type=content_type)
    assert response.status_code == status
    check(openapi, "/api/v1/reports", response)


def test_unknown_code_is_404_and_malformed_is_the_same(client, passphrase, openapi):
    a = client.post("/api/v1/receipt/status", json={"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    b = client.post("/api/v1/receipt/status", json={"receipt_code": "not a code"})
    assert a.status_code == b.status_code == 404
    assert a.get_json() == b.get_json()
    check(openapi, "/api/v1/receipt/status", a)


def test_missing_code_is_422(client, passphrase, openapi):
    response = client.post("/api/v1/receipt/status", json={})
    assert response.status_code == 422
    check(openapi, "/api/v1/receipt/status", response)


def test_api_throttles_wrong_codes(database_url, passphrase):
    app = make_app(database_url, RECEIPT_CLIENT_FAILURES=2)
    client = app.test_client()
    openapi_doc = client.get("/api/v1/openapi.json").get_json()
    for _ in range(2):
        client.post("/api/v1/receipt/status", json={"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    response = client.post("/api/v1/receipt/status", json={"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    assert response.status_code == 429
    check(openapi_doc, "/api/v1/receipt/status", response)
    app.extensions["ugly_mugs.engine"].dispose()


def test_consent_change_validates(client, passphrase, openapi):
    code = client.post("/api/v1/reports", json=minimal_report()).get_json()["receipt_code"]
    response = client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "all"})
    assert response.status_code == 422
    check(openapi, "/api/v1/receipt/consent", response)


def test_not_set_up_is_503(client, openapi):
    response = client.post("/api/v1/reports", json=minimal_report())
    assert response.status_code == 503
    check(openapi, "/api/v1/reports", response)


def test_report_language_is_noted(client, passphrase, openapi, db_session):
    body = minimal_report(language="pt-br")
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201
    check(openapi, "/api/v1/reports", response, body)
    assert db_session.scalar(select(Report.language)) == "pt_BR"
    bad = client.post("/api/v1/reports", json=minimal_report(language="klingon"))
    assert bad.status_code == 422 and "language" in bad.get_json()["errors"]
