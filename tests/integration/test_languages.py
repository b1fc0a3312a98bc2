"""The reporter pages in five languages, chosen by URL or browser, and the site's neutral face.

Proves that ``?lang=`` chooses the language and is kept on every reporter link and form
action, that Accept-Language chooses when the URL is silent (Portuguese from Portugal gets
Brazilian Portuguese), that no cookie carries it; that every reporter page (start, form, form
with errors, receipt, receipt-code entry, status page, deleted page, error pages) rendered in
each language leaves no English sentence of the catalog behind; that a report records the
language it was filed in; that staff pages and the API stay English whatever the browser
asks; and that the site name, page titles and favicon can be set so the pages look ordinary,
with the quick exit on every reporter page, error pages included.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from config import ConfigError
from tests.conftest import make_app, minimal_report
from tests.staff import create, login
from ugly_mugs import i18n
from ugly_mugs.models import Report

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang.locale != i18n.DEFAULT]
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
POT = Path(__file__).resolve().parents[2] / "ugly_mugs" / "translations" / "messages.pot"
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
        # The switcher's links name their own language; every other link keeps Portuguese.
        switcher = set(re.findall(r'<a href="([^"]+)" lang=', page))
        for target in reporter:
            if target not in switcher:
                assert "lang=pt-br" in html.unescape(target), f"{name}: {target}"


def test_switcher_offers_every_language_in_its_own_name(client):
    page = client.get("/report?lang=bg").get_data(as_text=True)
    for lang in i18n.LANGUAGES:
        assert f'<a href="/report?lang={lang.url_code}" lang="{lang.html_code}" hreflang="{lang.html_code}"' in page
        assert f">{lang.name}</a>" in page
    assert 'lang="bg" hreflang="bg" aria-current="true"' in page


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
    assert '<html lang="ro">' in page and "Fă un raport" in page
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
    assert response.get_json()["error"]["title"] == "Page not found"
    response = client.post("/api/v1/reports", json={"area": "holbeck"}, headers={"Accept-Language": "bg"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
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
