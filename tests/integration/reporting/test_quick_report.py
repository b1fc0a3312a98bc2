"""The quick report (``/report/quick``) and "add more" on the same receipt (``/receipt/more``).

The quick form files the minimum report through the same token, idempotency and checks as the
full form; every refused post is a 400 that says what to fix and shows back what was typed,
never a 500. What she adds afterwards is stored as the next versions of the report's sections:
sealed to the scheme and her receipt, to the police unit only where her consent allows, with her
own details withheld from what police may read, exactly as filing does.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from tests.support.app import form_token
from tests.support.reading import readable_sections, scheme_pair, unit_pair
from ugly_mugs import disclosure
from ugly_mugs.models import IdentifierIndex, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import reading, sections
from ugly_mugs.reports.sections import IDENTITY, INCIDENT, PERPETRATOR

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
KEEP = "KeepMeLineZq, grey beard"
HER_PHONE = "07700 900123"
HER_STREET = "14 Tannery Road"


def quick(**fields) -> dict:
    data = {
        "incident_date": "2026-11-20",
        "area": "holbeck",
        "categories": "physical-assault",
        "about_him": KEEP,
        "vehicle_registration": "YX11 ABC",
        "consent_level": "anonymous_intel",
    }
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def post_quick(client, **fields):
    return client.post("/report/quick", data=quick(form_token=form_token(client, "/report/quick"), **fields))


def count_reports(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Report))


def test_the_quick_form_asks_only_its_few_fields_each_with_a_label(client):
    page = client.get("/report/quick").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    asked = [i for i in ids if not re.fullmatch(r"(categories|consent_level)-\d+", i)]
    assert asked == ["incident_date", "area", "about_him", "phone_numbers", "vehicle_registration"]
    assert set(ids) <= set(re.findall(r'<label for="([^"]+)"', page))
    assert 'id="about_him" maxlength="150"' in page
    assert "checked" not in page  # consent is chosen, not assumed
    assert "Quick exit" in page and 'id="help"' in page
    assert 'formaction="/report"' in page  # the full form is one button away


def test_the_full_form_button_takes_what_was_typed_along(client, passphrase, db_session):
    data = quick(form_token=form_token(client, "/report/quick"), switch_language="en")
    response = client.post("/report", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Make a report</h1>" in page and "Everything you typed is still here" in page
    assert f'id="about_him" maxlength="150" name="about_him" type="text" value="{KEEP}"' in page
    assert re.search(r'<input checked[^>]*value="anonymous_intel"', page)
    assert count_reports(db_session) == 0


def test_the_start_page_leads_to_the_quick_report_first(client):
    page = client.get("/").get_data(as_text=True)
    assert page.index('href="/report/quick"') < page.index('href="/report"')


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"consent_level": None}, "consent_level", "Choose what may be passed to the police."),
        ({"consent_level": "everything"}, "consent_level", "Not a valid choice"),
        ({"incident_date": ""}, "incident_date", "Tell us the date"),
        ({"incident_date": "31/02/2026"}, "incident_date", "Write the date as"),
        ({"incident_date": "2099-01-01"}, "incident_date", "cannot be in the future"),
        ({"area": ""}, "area", "Choose the area"),
        ({"area": "atlantis"}, "area", "Not a valid choice"),
        ({"categories": None}, "categories", "Tick at least one kind of incident."),
        ({"categories": "alien-abduction"}, "categories", "not a valid choice"),
        ({"vehicle_registration": "x" * 201}, "vehicle_registration", "200"),
        ({"phone_numbers": "\n".join(str(i) for i in range(21))}, "phone_numbers", "At most 20"),
    ],
)
def test_a_refused_quick_report_says_why_and_keeps_what_was_typed(
    client, passphrase, db_session, fields, field, message
):
    response = post_quick(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert "There is a problem" in page and "Nothing you typed has been lost" in page
    assert KEEP in page
    assert count_reports(db_session) == 0


def test_a_line_about_him_longer_than_its_limit_is_refused_and_kept(client, passphrase, db_session):
    line = "tall " * 30 + "Zq"
    response = post_quick(client, about_him=line)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="about_him-error"' in page and "150" in page
    assert line in page
    assert count_reports(db_session) == 0


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, 200),  # filed, the NUL bytes gone
        ({"area": ""}, 400),  # refused for the area, the line shown back without them
    ],
)
def test_nul_bytes_are_removed_and_said_never_a_server_error(client, passphrase, db_session, fields, status):
    response = post_quick(client, about_him="grey\x00 beard\x00", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'id="input-notice"' in page and "\x00" not in page
    assert count_reports(db_session) == (1 if status == 200 else 0)
    if status == 400:
        assert "grey beard" in page


def test_the_language_switch_shows_back_what_was_typed_and_files_nothing(client, passphrase, db_session):
    data = quick(form_token=form_token(client, "/report/quick"), switch_language="pl")
    page = client.post("/report/quick?lang=pl", data=data).get_data(as_text=True)
    assert '<html lang="pl">' in page and KEEP in page
    assert count_reports(db_session) == 0


def test_a_forged_token_shows_the_quick_form_back_filled(client, passphrase, db_session):
    response = client.post("/report/quick", data=quick(form_token="forged.token.value"))
    assert response.status_code == 400
    assert KEEP in response.get_data(as_text=True)
    assert count_reports(db_session) == 0


def test_a_quick_report_is_filed_once_and_kept_like_any_report(client, passphrase, db_session):
    data = quick(form_token=form_token(client, "/report/quick"), phone_numbers="07700 900999")
    first = client.post("/report/quick", data=data)
    again = client.post("/report/quick", data=data)
    assert first.status_code == again.status_code == 200
    code = CODE.search(first.get_data(as_text=True)).group(1)
    assert CODE.search(again.get_data(as_text=True)).group(1) == code
    assert count_reports(db_session) == 1
    report = db_session.scalar(select(Report))
    assert (report.consent_level, report.reporter_type) == ("anonymous_intel", "self")
    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase)).sections
    assert opened[PERPETRATOR][0] == {
        "about_him": KEEP,
        "phone_numbers": ["07700 900999"],
        "vehicle": {"registration": "YX11 ABC"},
    }
    assert opened[INCIDENT][0] == {"categories": ["physical-assault"]}
    kinds = db_session.scalars(select(IdentifierIndex.kind).where(IdentifierIndex.report_id == report.id)).all()
    assert {"phone", "vehicle"} <= set(kinds)


# --- add more ------------------------------------------------------------------------------


def file_quick(client, **fields) -> tuple[str, str]:
    """File a quick report; returns its receipt code and the receipt page's "add more" token."""
    page = post_quick(client, **fields).get_data(as_text=True)
    return CODE.search(page).group(1), TOKEN.findall(page.split('id="add-more"')[1])[0]


def open_more(client, code: str, token: str) -> tuple[str, str]:
    response = client.post("/receipt/more", data={"receipt_code": code, "form_token": token, "open": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    return page, TOKEN.search(page).group(1)


def test_the_receipt_page_and_the_status_page_open_add_more(client, passphrase):
    code, token = file_quick(client)
    page, _ = open_more(client, code, token)
    assert "<h1>Add more to your report</h1>" in page
    for asked in ("what_happened", "height", "vehicle_make", "where_taken", "contact", "part_of_day"):
        assert f'id="{asked}"' in page
    assert 'id="incident_date"' not in page and 'id="consent_level' not in page
    status = client.post("/receipt", data={"receipt_code": code, "form_token": form_token(client, "/receipt")})
    more = status.get_data(as_text=True).split('id="add-more"')[1]
    assert 'action="/receipt/more"' in more and code in more


def test_added_details_are_sealed_and_withheld_as_filing_does(client, passphrase, db_session):
    code, token = file_quick(client, consent_level="anonymous_intel")
    _, token = open_more(client, code, token)
    response = client.post(
        "/receipt/more",
        data={
            "receipt_code": code,
            "form_token": token,
            "contact": f"text {HER_PHONE}",
            "place": HER_STREET,
            "what_happened": f"He followed me back to {HER_STREET}, then rang {HER_PHONE}.",
            "height": "about 6 foot",
            "phone_numbers": "07700 900456",
            "part_of_day": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "What you added has been saved" in page
    db_session.expire_all()
    report = db_session.scalar(select(Report))

    # Each new version is sealed to the scheme and her receipt; to the unit only below identity.
    holders = _holders(db_session, report)
    assert holders[(INCIDENT, 2)] == holders[(PERPETRATOR, 2)] == {sections.SCHEME, sections.RECEIPT, sections.UNIT}
    assert holders[(IDENTITY, 2)] == {sections.SCHEME, sections.RECEIPT}

    # The unit reads his new details, never hers.
    police = readable_sections(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id), "unit")
    assert IDENTITY not in police
    seen = json.dumps(police, ensure_ascii=False)
    assert "Tannery" not in seen and "900123" not in seen
    assert disclosure.WITHHELD in police[INCIDENT][-1]["what_happened"]
    assert police[PERPETRATOR][-1] == {"height": "about 6 foot", "phone_numbers": ["07700 900456"]}

    # Whoever opens the identity section reads it as she wrote it.
    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase))
    assert (
        opened.sections[INCIDENT][-1]["what_happened"] == f"He followed me back to {HER_STREET}, then rang {HER_PHONE}."
    )
    assert (INCIDENT, 2, "what_happened") in opened.withheld
    assert "part_of_day" not in opened.sections[INCIDENT][-1]  # "not sure" adds nothing
    assert opened.sections[IDENTITY][-1] == {"contact": f"text {HER_PHONE}", "place": HER_STREET}

    # His new number is matched like a filed one.
    kinds = db_session.scalars(select(IdentifierIndex.kind).where(IdentifierIndex.report_id == report.id)).all()
    assert kinds.count("phone") >= 1


def _holders(db_session, report) -> dict[tuple[str, int], set[str]]:
    found: dict[tuple[str, int], set[str]] = {}
    rows = db_session.execute(
        select(ReportSection.name, ReportSection.version, SealedSectionKey.holder)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(ReportSection.report_id == report.id)
    ).all()
    for name, version, holder in rows:
        found.setdefault((name, version), set()).add(holder)
    return found


@pytest.mark.parametrize(
    ("data", "status", "shown"),
    [
        ({}, 400, "Write something to add."),
        ({"height": "x" * 201}, 400, "200"),
        ({"height": "KeepTallZq", "form_token": "forged.token.value"}, 400, "KeepTallZq"),
        ({"height": "KeepTallZq", "switch_language": "ro"}, 200, "KeepTallZq"),
        ({"height": "a\x00b", "sex": "alien"}, 400, "Not a valid choice"),
    ],
)
def test_a_refused_addition_is_shown_back_and_stores_nothing(client, passphrase, db_session, data, status, shown):
    code, token = file_quick(client)
    _, token = open_more(client, code, token)
    before = db_session.scalar(select(func.count()).select_from(ReportSection))
    response = client.post("/receipt/more", data={"receipt_code": code, "form_token": token, **data})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert shown in page and "<h1>Add more to your report</h1>" in page
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == before


def test_a_wrong_code_opens_nothing(client, passphrase):
    code, token = file_quick(client)
    wrong = ("Z" if code[0] != "Z" else "Y") + code[1:]
    response = client.post("/receipt/more", data={"receipt_code": wrong, "form_token": token, "open": "1"})
    assert response.status_code == 404
    assert "Add more to your report" not in response.get_data(as_text=True)
