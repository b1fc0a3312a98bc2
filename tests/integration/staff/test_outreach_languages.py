"""The outreach form in the person's language (issue 21): chosen per report with ``?lang=``, not
per worker. The questions, the consent wording the worker reads out and the receipt card handed
over are in that language; the worker's own instructions and attestation stay in English. The
report keeps the language (messages and alerts for her speak it), changing the language keeps
what was typed, and a language we do not have falls back to English. Expected wording is read
from the catalogs, so the test holds for every language the scheme has."""

from __future__ import annotations

import re
from html import escape

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests.support.app import minimal_report
from tests.support.staff import create, csrf, login
from ugly_mugs import consent
from ugly_mugs.models import Report
from ugly_mugs.web import i18n

CODE = re.compile(r'id="receipt-code">([^<]+)<')
REFERENCE = re.compile(r"<strong>(UM-[0-9A-Z]+)</strong>")
TYPED = "LanguageCanaryQw7 he followed her to the car park"
LEVEL = consent.ANONYMOUS_INTELLIGENCE
WORKER_WORDING = ("File a report for someone", "I read the consent choices above to the person")


def translated(app, lang: i18n.Language, text: str, **params) -> str:
    with app.test_request_context(), force_locale(lang.locale):
        return escape(_(text, **params), quote=False)


def form_data(client, **extra) -> dict:
    return {
        **minimal_report(consent_level=LEVEL, what_happened=TYPED),
        "attested": "y",
        "csrf_token": csrf(client, "/outreach/report"),
        **extra,
    }


@pytest.fixture
def worker(app, passphrase):
    client = app.test_client()
    assert login(client, create(app, "olga", "outreach", project="Basis")).status_code == 302
    return client


@pytest.mark.parametrize("lang", i18n.LANGUAGES, ids=[lang.url_code for lang in i18n.LANGUAGES])
def test_the_form_asks_in_the_persons_language_and_the_worker_reads_english(app, worker, lang):
    page = worker.get(f"/outreach/report?lang={lang.url_code}").get_data(as_text=True)
    for text in (
        consent.REPORTER_WORDING[LEVEL],
        "How they prefer to be contacted through the project",
        "What should we call them?",
        "About the person (ask them)",
    ):
        assert translated(app, lang, text) in page, (lang.locale, text)
    assert f'<div lang="{lang.html_code}">' in page
    for text in WORKER_WORDING:
        assert text in page
    # The form is sent back to the same language.
    assert f'action="/outreach/report?lang={lang.url_code}"' in page


@pytest.mark.parametrize("lang", i18n.LANGUAGES, ids=[lang.url_code for lang in i18n.LANGUAGES])
def test_the_card_is_in_her_language_and_the_report_keeps_it(app, worker, db_session, lang):
    response = worker.post(f"/outreach/report?lang={lang.url_code}", data=form_data(worker))
    assert response.status_code == 200, response.get_data(as_text=True)
    card = response.get_data(as_text=True)
    for text in ("Your report", "Receipt code:"):
        assert translated(app, lang, text) in card, (lang.locale, text)
    assert translated(app, lang, "Filed with %(project)s.", project="Basis") in card
    assert f'lang="{lang.html_code}"' in card
    # The card sends her to the receipt page in her language.
    assert f"/receipt?lang={lang.url_code}" in card
    reference = REFERENCE.search(card).group(1)
    report = db_session.scalar(select(Report).where(Report.reference == reference))
    assert report.language == lang.locale


@pytest.mark.parametrize("lang", i18n.LANGUAGES, ids=[lang.url_code for lang in i18n.LANGUAGES])
def test_changing_her_language_keeps_what_was_typed_and_files_nothing(app, worker, db_session, lang):
    data = form_data(worker, switch_language=lang.url_code)
    del data["attested"]  # not checked: the language change is not a submission
    response = worker.post(f"/outreach/report?lang={lang.url_code}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert TYPED in page
    assert translated(app, lang, consent.REPORTER_WORDING[LEVEL]) in page
    assert 'class="error"' not in page
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("raw", ["xx", "", "<script>", "en-GB", "PL", "pt", "ro-RO", "\x00", "b" * 500])
def test_a_language_we_do_not_have_is_english_and_a_variant_is_its_language(app, worker, db_session, raw):
    response = worker.post("/outreach/report", query_string={"lang": raw}, data=form_data(worker))
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = i18n.by_url_code(raw) or i18n.negotiate([raw]) or i18n.BY_LOCALE["en"]
    reference = REFERENCE.search(response.get_data(as_text=True)).group(1)
    assert db_session.scalar(select(Report.language).where(Report.reference == reference)) == expected.locale
