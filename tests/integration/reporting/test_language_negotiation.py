"""The reporter pages in the language the browser prefers, through Babel's matching
(``web.i18n.negotiate``): ``pt-PT`` alone, or before English, gets Brazilian Portuguese; a
regional variant gets its language; ``?lang=`` with a region does the same and the page's links
then carry our own code."""

from __future__ import annotations

import pytest

HEADERS = [
    ("pt-PT", "pt-BR"),
    ("pt-PT,en;q=0.8", "pt-BR"),
    ("ro-RO", "ro"),
    ("bg-BG,en;q=0.5", "bg"),
    ("pl-PL", "pl"),
    ("en-GB,ro;q=0.9", "en"),
    ("fr-FR", "en"),
]


@pytest.mark.parametrize(("accept", "html_lang"), HEADERS)
def test_accept_language(client, accept, html_lang):
    for path in ("/", "/report", "/receipt"):
        page = client.get(path, headers={"Accept-Language": accept}).get_data(as_text=True)
        assert f'<html lang="{html_lang}">' in page, path


def test_a_region_in_the_url(client):
    page = client.get("/?lang=pt-PT").get_data(as_text=True)
    assert '<html lang="pt-BR">' in page and "lang=pt-br" in page and "lang=pt-PT" not in page
    assert '<html lang="ro">' in client.get("/report?lang=ro_RO").get_data(as_text=True)
