"""A new report field is one declaration in ugly_mugs/reports/fields.py (plus its translations).

The fixture declares two more fields in a copy of the declaration (and builds the report form
class from it, as importing ``reporting.forms`` does from the source). Nothing else is
changed, yet: the reporter's form asks them in their groups (the template's loop), the form and
the JSON API check and file them into their encrypted section, the OpenAPI document describes
them, the alert composer prefills them as declared, matching indexes the one declared an
identifier, and ``label_for`` names them. Without the fixture, the form, the outreach form and
the document hold exactly the declared fields.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from alerts.authoring import compose
from tests.integration.api.test_api import validator
from tests.support.app import form_token, minimal_report
from tests.support.reading import readable_sections, scheme_pair
from ugly_mugs.matching import normalise
from ugly_mugs.models import IdentifierIndex, Report
from ugly_mugs.reporting import forms
from ugly_mugs.reports import fields
from ugly_mugs.reports.fields import Field, Prefill
from ugly_mugs.staff.forms import OutreachReportForm

SHOES = Field(
    "shoes",
    fields.SHORT_TEXT,
    "His shoes",
    "For example red trainers.",
    group=fields.HIM,
    section=fields.PERPETRATOR,
    prefill=Prefill(fields.DESCRIPTION, "shoes: {}"),
)
WORK_PHONES = Field(
    "work_phones",
    fields.LIST,
    "Numbers he called from at work",
    "One per line.",
    group=fields.TOUCH,
    section=fields.PERPETRATOR,
    key="work.phones",
    prefill=Prefill(fields.LINE, "Work phone: {}"),
    identifier=fields.PHONE,
)


def _after(declared: tuple, name: str, new: Field) -> tuple:
    at = [f.name for f in declared].index(name) + 1
    return (*declared[:at], new, *declared[at:])


@pytest.fixture
def declared(monkeypatch):
    new = _after(_after(fields.REPORT_FIELDS, "accent", SHOES), "usernames", WORK_PHONES)
    monkeypatch.setattr(fields, "REPORT_FIELDS", new)
    monkeypatch.setattr(forms, "ReportForm", forms.declared_form("ReportForm", new))
    return new


def _names(declared) -> list[str]:
    return [f.name for f in declared]


def test_without_the_fixture_every_consumer_holds_exactly_the_declared_fields(app, client):
    names = _names(fields.REPORT_FIELDS)
    assert _names(forms.ReportForm.declared) == names
    assert list(forms.ReportForm(areas=(), categories=())._fields) == names
    with app.test_request_context():
        outreach = list(OutreachReportForm(meta={"csrf": False})._fields)
    assert outreach == [*names, *_names(fields.OUTREACH_FIELDS), "attested"]
    assert list(forms.AddInformationForm()._fields) == ["receipt_code", *_names(fields.ADDITION_FIELDS)]
    # The quick report asks its few fields; "add more" every answer kept in a section, not a column.
    assert list(forms.QuickReportForm(areas=(), categories=())._fields) == list(fields.QUICK_NAMES)
    kept = [f.name for f in fields.REPORT_FIELDS if f.section and not f.column]
    assert list(forms.AddMoreForm()._fields) == ["receipt_code", *kept]
    document = client.get("/api/v1/openapi.json").get_json()
    assert list(document["components"]["schemas"]["NewReport"]["properties"]) == [*names, "language", "photos"]


def test_a_new_field_is_asked_in_its_group(client, declared):
    page = client.get("/report").get_data(as_text=True)
    assert '<label for="shoes">His shoes</label>' in page
    assert re.search(r'<input aria-describedby="shoes-hint"[^>]*id="shoes" maxlength="200"', page)
    assert '<label for="work_phones">Numbers he called from at work</label>' in page
    assert page.index('id="accent"') < page.index('id="shoes"') < page.index("<h2>His car</h2>")
    assert page.index('id="usernames"') < page.index('id="work_phones"') < page.index('id="where_met"')


def _perpetrator(db_session, passphrase, reference: str) -> dict:
    db_session.expire_all()
    report = db_session.scalar(select(Report).where(Report.reference == reference))
    opened = readable_sections(db_session, report, scheme_pair(db_session, passphrase), "scheme")
    return report, opened["perpetrator"][0]


def test_a_new_field_is_filed_through_the_form_and_the_api(client, passphrase, db_session, declared):
    page = client.post(
        "/report",
        data=minimal_report(
            form_token=form_token(client), shoes="red trainers", work_phones="07700 900123\n07700 900124"
        ),
    ).get_data(as_text=True)
    reference = re.search(r"UM-[0-9A-Z]{7}", page).group(0)
    report, perpetrator = _perpetrator(db_session, passphrase, reference)
    assert perpetrator["shoes"] == "red trainers"
    assert perpetrator["work"] == {"phones": ["07700 900123", "07700 900124"]}
    kinds = db_session.scalars(select(IdentifierIndex.kind).where(IdentifierIndex.report_id == report.id)).all()
    assert kinds.count(fields.PHONE) == 2

    body = minimal_report(shoes="blue boots", work_phones=["07700 900125"])
    filed = client.post("/api/v1/reports", json=body)
    assert filed.status_code == 201, filed.get_json()
    _, perpetrator = _perpetrator(db_session, passphrase, filed.get_json()["reference"])
    assert perpetrator["shoes"] == "blue boots"
    assert perpetrator["work"] == {"phones": ["07700 900125"]}


def test_a_new_field_is_checked_by_the_form_and_the_api(client, passphrase, declared):
    response = client.post("/report", data=minimal_report(form_token=form_token(client), shoes="x" * 201))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="shoes-error"' in page and "at most 200 characters" in page

    answer = client.post(
        "/api/v1/reports", json=minimal_report(shoes="x" * 201, work_phones=[str(i) for i in range(21)])
    )
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "shoes": ["This can be at most 200 characters. Please make it shorter."],
        "work_phones": ["At most 20, one per line."],
    }
    answer = client.post("/api/v1/reports", json=minimal_report(shoes=["not", "text"]))
    assert answer.get_json()["errors"] == {"shoes": ["This must be text."]}


def test_a_new_field_is_documented(client, declared):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["NewReport"]
    assert schema["properties"]["shoes"] == {
        "title": "His shoes",
        "type": "string",
        "maxLength": 200,
        "description": "For example red trainers.",
    }
    assert schema["properties"]["work_phones"]["oneOf"][0]["maxItems"] == fields.LIST_ITEMS
    new_report = validator(document, "#/components/schemas/NewReport")
    assert new_report.is_valid(minimal_report(shoes="red trainers", work_phones=["07700 900123"]))
    assert not new_report.is_valid(minimal_report(shoes="x" * 201))


def test_a_new_field_reaches_prefill_matching_and_labels(declared):
    draft = compose.prefill(
        [{"what_happened": "He hit me."}],
        [{"sex": "man", "shoes": "red trainers", "work": {"phones": ["07700 900123"]}}],
        area_code="holbeck",
        area_name="Holbeck",
        incident_week=None,
        category_labels={},
    )
    assert "Description: man, shoes: red trainers" in draft.body
    assert "Work phone: 07700 900123" in draft.body
    assert normalise.from_perpetrator({"work": {"phones": ["07700 900123"]}}) == [
        normalise.Identifier(normalise.PHONE, "+447700900123")
    ]
    assert fields.label_for(fields.PERPETRATOR, "work.phones") == "Numbers he called from at work"
    assert {"shoes", "work_phones"} <= set(fields.text_fields())  # so the plaintext canary tests cover them
