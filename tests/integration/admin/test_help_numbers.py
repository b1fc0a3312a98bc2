"""Help where she is: the safety and support numbers on the start page, after filing, on the
receipt page and on the printed receipt card, in every reporter language, with the UK defaults
until an admin changes them on the admin page (admin only, CSRF, audited, checked: sane phone
numbers and web addresses, no markup; whatever is typed, never a 500 and never unescaped).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.app import form_token, minimal_report
from tests.support.staff import create, csrf, login, signed_in
from ugly_mugs import helplines
from ugly_mugs.models import AuditEntry, SiteSetting

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
# The UK defaults, as the pages show and dial them.
DEFAULT_NUMBERS = {
    "999": "tel:999",
    "101": "tel:101",
    "116 123": "tel:116123",
    "0808 2000 247": "tel:08082000247",
    "0808 500 2222": "tel:08085002222",
}
HEADINGS = {
    "en": "Help and support",
    "pl": "Pomoc i wsparcie",
    "ro": "Ajutor și sprijin",
    "pt-BR": "Ajuda e apoio",
    "bg": "Помощ и подкрепа",
}
SAMARITANS = {
    "en": "Someone to talk to, day or night. Free to call.",
    "pl": "Ktoś, z kim możesz porozmawiać, w dzień i w nocy. Połączenie bezpłatne.",
    "ro": "Cineva cu care să vorbești, zi și noapte. Apelul este gratuit.",
    "pt-BR": "Alguém para conversar, de dia ou de noite. A ligação é grátis.",
    "bg": "Някой, с когото да поговориш, денем и нощем. Обаждането е безплатно.",
}


def help_box(page: str) -> str:
    found = re.search(r'<section class="help" id="help".*?</section>', page, re.S)
    assert found, "no help box on the page"
    return found.group(0)


def reporter_pages(client, lang: str) -> dict[str, str]:
    q = f"?lang={lang}"
    filed = client.post("/report" + q, data=minimal_report(form_token=form_token(client, "/report" + q)))
    code = CODE.search(filed.get_data(as_text=True)).group(1)
    status = client.post("/receipt" + q, data={"receipt_code": code, "form_token": form_token(client, "/receipt" + q)})
    return {
        "start": client.get("/" + q).get_data(as_text=True),
        "after filing": filed.get_data(as_text=True),
        "receipt page": status.get_data(as_text=True),
    }


@pytest.mark.parametrize("lang", list(HEADINGS))
def test_the_defaults_are_on_every_reporter_page_in_her_language(client, passphrase, lang):
    for name, page in reporter_pages(client, lang).items():
        box = help_box(page)
        assert HEADINGS[lang] in box, name
        assert SAMARITANS[lang] in box, name
        for number, tel in DEFAULT_NUMBERS.items():
            assert f'href="{tel}">{number}</a>' in box, (name, number)
        assert 'href="https://www.samaritans.org"' in box
        # No scheme line until an admin sets one.
        assert "Our support line" not in box


def test_the_printed_receipt_card_carries_the_help_box(app, passphrase):
    worker, _ = signed_in(app, passphrase, "olga", "outreach", granted=False, project="Basis")
    data = {
        **minimal_report(),
        "contact_via_project": "yes",
        "attested": "y",
        "csrf_token": csrf(worker, "/outreach/report"),
    }
    response = worker.post("/outreach/report", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    box = help_box(response.get_data(as_text=True))
    assert 'href="tel:999">999</a>' in box and "Samaritans" in box


def save(admin, **fields):
    data = {"csrf_token": csrf(admin, "/admin/help"), "emergency": "999", **fields}
    return admin.post("/admin/help", data=data)


@pytest.fixture
def admin(app, passphrase):
    client, _ = signed_in(app, passphrase, "ada", "admin", granted=False)
    return client


def test_an_admin_changes_the_numbers_and_every_page_shows_them(app, client, admin, db_session):
    page = admin.get("/admin/help").get_data(as_text=True)
    assert 'value="116 123"' in page
    response = save(
        admin,
        non_emergency="101",
        scheme_name="Leeds Ugly Mugs line",
        scheme_phone="0113 496 0000",
        scheme_hours="Monday to Friday, 10am to 6pm",
        **{
            "services-0-name": "Basis Yorkshire",
            "services-0-phone": "+44 113 496 0001",
            "services-0-url": "https://basisyorkshire.org.uk",
            "services-0-description": "Drop-in and outreach",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Saved." in admin.get(response.headers["Location"]).get_data(as_text=True)
    box = help_box(client.get("/?lang=pl").get_data(as_text=True))
    assert 'Leeds Ugly Mugs line: <a href="tel:01134960000">0113 496 0000</a>' in box
    assert "Czynne: Monday to Friday, 10am to 6pm" in box
    assert 'href="tel:+441134960001">+44 113 496 0001</a>' in box
    assert "Drop-in and outreach" in box
    # The other rows were left empty: the defaults' services are gone.
    assert "Samaritans" not in box
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "help_info_changed"))
    assert entry is not None and "scheme_phone" in entry.detail["changed"]
    # Back to the defaults.
    response = admin.post(
        "/admin/help", data={"csrf_token": csrf(admin, "/admin/help"), "reset": "1", "emergency": "999"}
    )
    assert response.status_code == 302
    assert "Samaritans" in help_box(client.get("/").get_data(as_text=True))


BAD = [
    ({"emergency": ""}, "Give the emergency number"),
    ({"emergency": "call me"}, "Write a phone number"),
    ({"emergency": "1"}, "Write a phone number"),
    ({"non_emergency": "+44 1234 5678 9012 3456"}, "Write a phone number"),
    ({"scheme_phone": "<script>alert(1)</script>"}, "Angle brackets"),
    ({"scheme_hours": "<b>always</b>"}, "Angle brackets"),
    ({"services-0-name": "X", "services-0-url": "javascript:alert(1)"}, "Write a web address"),
    ({"services-0-name": "X", "services-0-url": "ftp://example.org"}, "Write a web address"),
    ({"services-0-name": "X", "services-0-url": "https://"}, "Write a web address"),
    ({"services-0-name": "X", "services-0-url": "https://user:pw@example.org"}, "Write a web address"),
    ({"services-0-name": "X", "services-0-url": 'https://example.org/"onmouseover=x'}, "Write a web address"),
    ({"services-0-name": "X"}, "Give a phone number or a web address"),
    ({"services-0-phone": "116 123"}, "This cannot be empty"),
    ({"services-0-name": "X" * 81, "services-0-phone": "116 123"}, "80"),
]


@pytest.mark.parametrize(("fields", "message"), BAD)
def test_bad_input_is_refused_with_a_message_and_kept(admin, db_session, fields, message):
    response = save(admin, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert db_session.scalar(select(SiteSetting)) is None
    # What was typed is shown back (escaped).
    for value in fields.values():
        if value:
            assert (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")) in page


def test_without_the_csrf_token_nothing_is_saved(admin, db_session):
    response = admin.post("/admin/help", data={"emergency": "112"})
    assert response.status_code == 400
    assert db_session.scalar(select(SiteSetting)) is None


@pytest.mark.parametrize("role", ["coordinator", "outreach", "project_member", "police"])
def test_only_an_admin_may_see_or_change_it(app, passphrase, role):
    user = create(app, f"not-{role}", role, **({"project": "Basis"} if role in ("outreach", "project_member") else {}))
    client = app.test_client()
    login(client, user)
    assert client.get("/admin/help").status_code in (403, 404)
    assert client.post("/admin/help", data={"emergency": "112"}).status_code in (400, 403, 404)


TEXT = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.fixed_dictionaries(
        {
            "emergency": TEXT,
            "non_emergency": TEXT,
            "scheme_name": TEXT,
            "scheme_phone": TEXT,
            "scheme_hours": TEXT,
            "services": st.lists(
                st.fixed_dictionaries({"name": TEXT, "phone": TEXT, "url": TEXT, "description": TEXT}), max_size=3
            ),
        }
    )
)
def test_whatever_is_typed_is_refused_or_safe(raw):
    try:
        info = helplines.clean(raw)
    except helplines.HelpError as exc:
        assert str(exc)
        return
    texts = [info.emergency, info.non_emergency, info.scheme_name, info.scheme_phone, info.scheme_hours]
    for s in info.services:
        texts += [s.name, s.phone, s.url, s.description]
        assert not s.url or s.url.startswith(("https://", "http://"))
    assert not any("<" in t or ">" in t for t in texts)
