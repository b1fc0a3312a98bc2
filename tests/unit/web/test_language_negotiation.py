"""Which of the five languages a browser's preferences get (``web.i18n.negotiate``, Babel's
``negotiate_locale`` with our aliases).

Proves, table-driven from real Accept-Language headers: Portuguese of any region, alone or
before English, gets Brazilian Portuguese; a regional variant gets its base language; the first
preference we have wins over later ones, whatever their region; languages we do not have are
skipped; and, as a property, any region of any of our languages gets that language.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ugly_mugs.web import i18n

CASES = [
    ("pt-PT", "pt_BR"),
    ("pt-PT,en;q=0.8", "pt_BR"),
    ("pt", "pt_BR"),
    ("pt-AO,pt-MZ;q=0.5", "pt_BR"),
    ("pt-br", "pt_BR"),
    ("PT-BR", "pt_BR"),
    ("ro-RO", "ro"),
    ("ro-MD,ru;q=0.7", "ro"),
    ("bg-BG", "bg"),
    ("pl-PL,pl;q=0.9,en-US;q=0.8", "pl"),
    ("en-GB,pl;q=0.9", "en"),
    ("de-DE,fr;q=0.9,bg;q=0.1", "bg"),
    ("de-DE,fr;q=0.9", None),
    ("en;q=0.5,ro;q=0.9", "ro"),
    ("*", None),
    ("ro;q=0,pl", "pl"),
    ("", None),
    ("zh-Hant-TW,pt-PT;q=0.2", "pt_BR"),
]


def _tags(header: str) -> list[str]:
    return [tag for tag, quality in parse_accept_header(header, LanguageAccept) if quality > 0]


@pytest.mark.parametrize(("header", "expected"), CASES)
def test_browser_preferences(header, expected):
    found = i18n.negotiate(_tags(header))
    assert (found.locale if found else None) == expected


@given(
    language=st.sampled_from(["en", "ro", "pt", "pl", "bg"]),
    region=st.from_regex(r"[A-Za-z]{2}|[0-9]{3}", fullmatch=True),
    rest=st.lists(st.sampled_from(["de", "fr-FR", "en", "ro-RO", "*"]), max_size=3),
)
def test_any_region_of_our_languages_gets_that_language(language, region, rest):
    found = i18n.negotiate([f"{language}-{region}", *rest])
    assert found is not None and found.locale.split("_")[0] == language
