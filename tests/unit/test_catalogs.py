"""The translation catalogs are complete and in step with the code.

Proves that every message the code and templates mark for translation (extracted afresh with
the project's babel.cfg) is in messages.pot and has a real, non-fuzzy translation in every
language of the reporter pages, with the same %(placeholders)s; that no catalog is missing;
and that each committed .mo file says exactly what its .po file says, so an edited .po that
was not compiled fails here instead of showing English to a reporter.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.support.source import ROOT
from ugly_mugs.web import i18n

TRANSLATIONS = ROOT / "ugly_mugs" / "translations"
TRANSLATED = [lang.locale for lang in i18n.LANGUAGES if lang.locale != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def po(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def test_template_is_up_to_date():
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = read_po(f)
    marked = extracted()
    assert len(marked) > 150
    assert marked - ids(template) == set(), "run `make translations`: messages.pot misses these"
    assert ids(template) - marked == set(), "run `make translations`: messages.pot holds messages no longer used"


def test_every_language_has_a_catalog():
    assert set(TRANSLATED) == {"ro", "pt_BR", "pl", "bg"}
    for locale in TRANSLATED:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").is_file(), locale


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(locale):
    catalog = po(locale)
    marked = extracted()
    missing = sorted(marked - ids(catalog))
    assert missing == [], f"{locale}: no entry for {missing}"
    for message in catalog:
        if not message.id or message.id not in marked:
            continue
        assert message.string and message.string.strip(), f"{locale}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{locale}: fuzzy (unchecked) translation of {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), (
            f"{locale}: placeholders differ in {message.id!r}"
        )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalog_matches_its_source(locale):
    source = po(locale)
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    expected = {m.id: m.string for m in source if m.id and not m.fuzzy}
    actual = {m.id: m.string for m in compiled if m.id}
    assert actual == expected, f"run `make translations` to recompile {locale}"
