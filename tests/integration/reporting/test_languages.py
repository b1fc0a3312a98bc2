"""The reporter pages in five languages, chosen by URL or browser, and the site's neutral face.

Proves that ``?lang=`` chooses the language and is kept on every reporter link and form
action, that Accept-Language chooses when the URL is silent (Portuguese from Portugal gets
Brazilian Portuguese), that no cookie carries it; that every reporter page (start, form, form
with errors, receipt, receipt-code entry, status page, deleted page, error pages) rendered in
each language leaves no English sentence of the catalog behind; that a report records the
language it was filed in; that the switcher on the report form is buttons of that form, so
switching language there (even on a form shown back with errors) keeps everything typed, in
Romanian and back, files nothing, shows no error, sets no cookie and leaves the form's token
working, while on other pages it stays a plain link; that staff pages and the API stay
English whatever the browser asks; and that the site name, page titles and favicon can be
set so the pages look ordinary, with the quick exit on every reporter page, error pages
included.
"""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from config import ConfigError
from tests.support.app import make_app, minimal_report
from tests.support.source import ROOT
from tests.support.staff import create, login
from ugly_mugs.models import AuditEntry, Report, ReportSection
from ugly_mugs.web import i18n

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang.locale != i18n.DEFAULT]
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
POT = ROOT / "ugly_mugs" / "translations" / "messages.pot"
# Messages that only an outreach worker's (English) page shows, and words the same in some language.
NOT_ON_REPORTER_PAGES = {"About the person (ask them)", "They can change this later with the receipt code."}


def english_sentences() -> list[str]:
    with POT.open("rb") as f:
        catalog = read_po(f)
    # Whole sentences or phrases of three words or more: short labels may match a word in a translation.
    return [m.id for m in catalog if m.id and len(m.id.split()) >= 3 and "%(" not in m.id]


ENGLISH = english_sentences()


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def token(client, path: str) -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def file_report(client, lang: str = "", **fields) -> str:
    query = f"?lang={lang}" if lang else ""
    data = minimal_report(form_token=token(client, "/report" + query), **fields)
    response = client.post("/report" + query, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return CODE.search(response.get_data(as_text=True)).group(1)


def reporter_pages(client, lang: str) -> dict[str, str]:
    """Every kind of reporter page, rendered in ``lang``."""
    q = f"?lang={lang}"
    pages = {
        "index": client.get("/" + q),
        "form": client.get("/report" + q),
        "form with errors": client.post("/report" + q, data={"form_token": token(client, "/report" + q)}),
        "receipt entry": client.get("/receipt" + q),
        "receipt entry, wrong code": client.post(
            "/receipt" + q, data={"form_token": token(client, "/receipt" + q), "receipt_code": "AAAA-BBBB"}
        ),
        "not found": client.get("/no-such-page" + q),
        "method not allowed": client.delete("/report" + q),
    }
    receipt = client.post(
        "/report" + q, data=minimal_report(form_token=token(client, "/report" + q), consent_level="full")
    )
    pages["receipt"] = receipt
    code = CODE.search(receipt.get_data(as_text=True)).group(1)
    pages["status"] = client.post(
        "/receipt" + q, data={"form_token": token(client, "/receipt" + q), "receipt_code": code}
    )
    pages["status with an error"] = client.post(
        "/receipt/add" + q, data={"form_token": token(client, "/receipt" + q), "receipt_code": code}
    )
    pages["deleted"] = client.post(
        "/receipt/delete" + q,
        data={"form_token": token(client, "/receipt" + q), "receipt_code": code, "confirm": "yes"},
    )
    return {name: response.get_data(as_text=True) for name, response in pages.items()}


@pytest.mark.parametrize("lang", TRANSLATED, ids=lambda lang: lang.locale)
def test_no_english_sentence_is_left_on_any_reporter_page(client, passphrase, lang):
    for name, page in reporter_pages(client, lang.url_code).items():
        assert f'<html lang="{lang.html_code}">' in page, name
        text = visible_text(page)
        left = [s for s in ENGLISH if s in text and s not in NOT_ON_REPORTER_PAGES]
        assert left == [], f"{lang.locale} {name}: English left: {left}"
        assert 'class="quick-exit"' in page, name


def test_english_pages_show_the_english_sentences(client, passphrase):
    # The check above would pass trivially if the English text never showed anywhere.
    pages = reporter_pages(client, "en")
    text = visible_text(pages["form"])
    assert "Tell us the date it happened" not in text
    assert "Only the date, the area and what happened are needed." in text
    assert "Tell us the date it happened, or your best guess." in visible_text(pages["form with errors"])
    assert "Keep this code safe where nobody else can see it." in visible_text(pages["receipt"])


def test_language_in_the_url_is_kept_on_every_link_and_form(client, passphrase):
    pages = reporter_pages(client, "pt-BR")
    for name, page in pages.items():
        targets = re.findall(r'(?:href|action)="(/[^"]*)"', page)
        reporter = [t for t in targets if not t.startswith(("/static/", "/favicon"))]
        assert reporter, name
        # The switcher's links (or, on the form, its buttons) name their own language; every
        # other link keeps Portuguese.
        switcher = set(re.findall(r'(?:<a href|formaction)="([^"]+)"', page))
        for target in reporter:
            if target not in switcher:
                assert "lang=pt-br" in html.unescape(target), f"{name}: {target}"


def test_switcher_offers_every_language_in_its_own_name(client):
    page = client.get("/receipt?lang=bg").get_data(as_text=True)
    for lang in i18n.LANGUAGES:
        assert f'<a href="/receipt?lang={lang.url_code}" lang="{lang.html_code}" hreflang="{lang.html_code}"' in page
        assert f">{lang.name}</a>" in page
    assert 'lang="bg" hreflang="bg" aria-current="true"' in page
    assert 'name="switch_language"' not in page
    # On the report form the same choices are buttons that resubmit what was typed.
    page = client.get("/report?lang=bg").get_data(as_text=True)
    for lang in i18n.LANGUAGES:
        assert (
            f'<button type="submit" form="report-form" formaction="/report?lang={lang.url_code}" formnovalidate '
            f'name="switch_language" value="{lang.url_code}" lang="{lang.html_code}"'
        ) in page
        assert f">{lang.name}</button>" in page
    assert 'value="bg" lang="bg" aria-current="true"' in page
    assert "hreflang" not in page


SWITCHED = "Nothing has been sent yet. Everything you typed is still here."
TYPED = {
    "incident_date": "31/02/2026",  # not a date: the form shows it back as typed
    "part_of_day": "evening",
    "area": "holbeck",
    "categories": ["robbery", "threats"],
    "what_happened": 'He said "you\'ll regret it" & drove off <fast>.\nThen he came back.',
    "vehicle_registration": "AB12 CDE",
    "phone_numbers": "07700 900123\n07700 900456",
    "reporter_type": "third_party",
    "consent_level": "anonymous_intel",
}


def switch(client, page: str, to: str, data: dict):
    """What the browser sends when the switcher's button for ``to`` is pressed on ``page``."""
    button = re.search(rf'formaction="([^"]+)" formnovalidate name="switch_language" value="{to}"', page)
    assert button, to
    body = {**data, "form_token": TOKEN.search(page).group(1), "switch_language": to}
    return client.post(html.unescape(button.group(1)), data=body)


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    # A browser drops the one newline that follows the opening tag, and sends lines with CR LF.
    return html.unescape(found.group(1)).removeprefix("\r\n").removeprefix("\n").replace("\r\n", "\n")


def assert_kept(page: str) -> None:
    """Every typed value is in the form as it was typed, and no error is shown as a failure."""
    assert 'value="31/02/2026"' in page
    assert '<option selected value="evening">' in page and '<option selected value="holbeck">' in page
    for code in TYPED["categories"]:
        assert re.search(rf'<input checked[^>]*value="{code}"', page), code
    assert textarea(page, "what_happened") == TYPED["what_happened"]
    assert textarea(page, "phone_numbers") == TYPED["phone_numbers"]
    assert 'value="AB12 CDE"' in page
    assert re.search(r'<input checked[^>]*name="reporter_type"[^>]*value="third_party"', page)
    assert re.search(r'<input checked[^>]*name="consent_level"[^>]*value="anonymous_intel"', page)
    assert "error-summary" not in page and 'class="error"' not in page and "has-error" not in page


def stored(db_session) -> list[int]:
    db_session.expire_all()
    return [db_session.scalar(select(func.count()).select_from(model)) for model in (Report, ReportSection, AuditEntry)]


def test_switching_language_keeps_what_was_typed_and_files_nothing(client, passphrase, db_session):
    before = stored(db_session)
    # The form shown back with an error (a date that does not exist), as the reporter sees it.
    shown = client.post("/report", data={**TYPED, "form_token": token(client, "/report")})
    assert shown.status_code == 400
    page = shown.get_data(as_text=True)
    assert "error-summary" in page

    romanian = switch(client, page, "ro", TYPED)
    assert romanian.status_code == 200
    assert "Set-Cookie" not in romanian.headers
    page = romanian.get_data(as_text=True)
    assert '<html lang="ro">' in page and "<h1>Fă un raport</h1>" in page
    assert "Nu s-a trimis nimic încă. Tot ce ai scris este încă aici." in page
    assert 'action="/report?lang=ro"' in page
    assert "<title>Fă un raport" in page  # not "Error: …"
    assert_kept(page)

    english = switch(client, page, "en", TYPED)
    assert english.status_code == 200 and "Set-Cookie" not in english.headers
    page = english.get_data(as_text=True)
    assert '<html lang="en">' in page and SWITCHED in page
    assert_kept(page)
    assert stored(db_session) == before

    # The form it came back as still works: its fresh token files the report, in English.
    filed = client.post(
        "/report?lang=en", data={**TYPED, "incident_date": "2026-02-27", "form_token": TOKEN.search(page).group(1)}
    )
    assert filed.status_code == 200 and CODE.search(filed.get_data(as_text=True))
    db_session.expire_all()
    assert db_session.scalars(select(Report.language)).all() == ["en"]


def test_switching_needs_no_valid_token_but_filing_still_does(client, passphrase, db_session):
    before = stored(db_session)
    valid = {**TYPED, "incident_date": "2026-02-27"}
    for bad in ({}, {"form_token": "forged"}):
        response = client.post("/report?lang=pl", data={**valid, **bad, "switch_language": "pl"})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert '<html lang="pl">' in page and 'value="AB12 CDE"' in page
        assert TOKEN.search(page).group(1) not in ("", "forged")
        # Without the switcher's name the same post is a filing, and is refused without a token.
        refused = client.post("/report?lang=pl", data={**valid, **bad})
        assert refused.status_code == 400
    assert stored(db_session) == before


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ro-RO,ro;q=0.9,en;q=0.5", "ro"),
        ("pt-PT,pt;q=0.9", "pt-BR"),
        ("pl", "pl"),
        ("bg-BG", "bg"),
        ("de-DE,fr;q=0.8", "en"),
        ("", "en"),
    ],
)
def test_browser_preference_chooses_when_the_url_is_silent(client, accept, expected):
    response = client.get("/report", headers={"Accept-Language": accept} if accept else {})
    assert f'<html lang="{expected}">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_url_wins_over_the_browser_and_unknown_codes_are_ignored(client):
    page = client.get("/?lang=RO", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert '<html lang="ro">' in page and "Raportează-l în două minute" in page
    page = client.get("/?lang=xx", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert '<html lang="pl">' in page
    assert "lang=xx" not in page


@pytest.mark.parametrize(("lang", "stored"), [("ro", "ro"), ("pt-br", "pt_BR"), ("bg", "bg"), ("", "en")])
def test_a_report_records_the_language_it_was_filed_in(client, passphrase, db_session, lang, stored):
    file_report(client, lang)
    db_session.expire_all()
    assert db_session.scalars(select(Report.language)).all() == [stored]


def test_browser_language_is_recorded_too(client, passphrase, db_session):
    data = minimal_report(form_token=token(client, "/report"))
    assert client.post("/report", data=data, headers={"Accept-Language": "pl"}).status_code == 200
    assert db_session.scalars(select(Report.language)).all() == ["pl"]


def test_errors_are_shown_in_the_reporters_language(client):
    page = client.post("/report?lang=ro", data={"form_token": token(client, "/report?lang=ro")}).get_data(as_text=True)
    assert "Este o problemă" in page
    assert "Spune-ne data când s-a întâmplat" in page
    assert "Alege zona unde s-a întâmplat." in page
    assert "Tell us the date" not in page
    # Even WTForms' own message for a tampered choice.
    page = client.post(
        "/report?lang=pl", data=minimal_report(form_token=token(client, "/report?lang=pl"), part_of_day="noon")
    ).get_data(as_text=True)
    assert "Not a valid choice" not in page and 'id="part_of_day-error"' in page


def test_staff_pages_stay_english_whatever_the_browser_asks(app, client, passphrase, clock):
    worker = create(app, "outreachro", "outreach", project="Basis")
    assert login(client, worker).status_code == 302
    page = client.get("/outreach/report", headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "Date it happened" in page and "Data când" not in page
    assert "Warn others only." in page


def test_api_stays_english(client):
    response = client.get("/api/v1/nothing", headers={"Accept-Language": "ro"})
    assert response.status_code == 404
    assert response.get_json()["title"] == "Not Found"
    assert "openapi.json" in response.get_json()["detail"]
    response = client.post("/api/v1/reports", json={"area": "holbeck"}, headers={"Accept-Language": "bg"})
    assert response.status_code == 422
    fields = response.get_json()["errors"]
    assert "Tell us the date it happened, or your best guess." in fields["incident_date"]


def test_site_name_and_page_titles_can_be_neutral(database_url):
    app = make_app(database_url, SITE_NAME="Weather notes", PAGE_TITLES=False)
    for path in ("/", "/report?lang=ro", "/receipt", "/no-such-page"):
        page = app.test_client().get(path).get_data(as_text=True)
        assert "<title>Weather notes</title>" in page, path
        assert ">Weather notes</a></header>" in page, path
        assert "Ugly Mugs" not in page, path
    app.extensions["ugly_mugs.engine"].dispose()


def test_default_title_names_the_page_and_the_site(client):
    page = client.get("/report?lang=pl").get_data(as_text=True)
    assert "<title>Zgłoś zdarzenie – Ugly Mugs</title>" in page


def test_built_in_favicon(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon">' in page
    response = client.get("/favicon")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg")


def test_configured_favicon_is_served(database_url, tmp_path):
    icon = tmp_path / "cloud.png"
    icon.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    app = make_app(database_url, FAVICON=str(icon))
    response = app.test_client().get("/favicon")
    assert response.mimetype == "image/png" and response.data == icon.read_bytes()
    app.extensions["ugly_mugs.engine"].dispose()


@pytest.mark.parametrize("name", ["icon.gif", "missing.png", "huge.svg"])
def test_unusable_favicon_refuses_to_start(database_url, tmp_path, name):
    if name != "missing.png":
        (tmp_path / name).write_bytes(b"x" * (20_000 if name == "huge.svg" else 10))
    with pytest.raises(ConfigError, match="UGLY_MUGS_FAVICON"):
        make_app(database_url, FAVICON=str(tmp_path / name))


def test_form_page_weighs_under_60_kb(client):
    # Everything the form page makes a browser fetch, uncompressed (the browser test measures the wire).
    page = client.get("/report?lang=bg")
    fetched = re.findall(r'(?:src|href)="(/(?:static|favicon)[^"]*)"', page.get_data(as_text=True))
    assert sorted(fetched) == ["/favicon", "/static/quick-exit.js", "/static/site.css"]
    total = len(page.data) + sum(len(client.get(url).data) for url in fetched)
    assert total < 60 * 1024, total
