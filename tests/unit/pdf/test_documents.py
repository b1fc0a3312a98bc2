"""The document helper every PDF is built with (``ugly_mugs.pdf``).

Proves: text in every script of the five languages (Bulgarian Cyrillic, Romanian ș and ț, Polish
ł, Portuguese accents) comes out of the PDF as text (read back with poppler's pdftotext), set in
the embedded DejaVu Sans and no built-in font; a value of 10,000 characters in one table cell is
laid out over several pages with nothing lost, whether words, one unbroken word or 2,000 short
lines; and ``chunks`` splits any text into pieces that fit and join back into it exactly.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.lib.units import mm

from tests.support.pdftext import fonts, pages, pdftotext
from ugly_mugs import pdf

SCRIPTS = {
    "bg": "Нападателят караше черна кола и ме удари в Пловдив",
    "ro": "Șoferul țipa în mașină și nu a plătit, în Iași",
    "pl": "Łódź: źle się zachował, żółta łódka, Gdańsk",
    "pt_BR": "Ele não pagou, ação rápida em São Paulo, coração",
    "en": "He hit me and drove off in a grey Ford",
}
LONG = {
    "words": " ".join(f"w{n:04d}" for n in range(2000)),
    "one word": "x" * 10_000,
    "short lines": "\n".join(f"l{n:03d}" for n in range(2000)),
}


def _table_document(value: str) -> bytes:
    sheet = pdf.styles()
    cell = pdf.style(sheet["Normal"], "cell", fontSize=9, leading=11.5)
    rows = [[pdf.paragraph(h, cell) for h in ("Section", "Field", "Value")]]
    rows += pdf.text_rows([pdf.paragraph("incident", cell), pdf.paragraph("what_happened", cell)], value, cell)
    return pdf.build([pdf.table(rows, [25 * mm, 42 * mm, 103 * mm])], title="Test")


def test_every_script_comes_out_as_text_in_the_embedded_font():
    sheet = pdf.styles()
    story = [pdf.paragraph(text, sheet[name]) for text in SCRIPTS.values() for name in ("Title", "Normal", "Italic")]
    data = pdf.build(story, title="Scripts")
    extracted = pdftotext(data)
    for language, text in SCRIPTS.items():
        assert text in extracted, language
    assert fonts(data) == {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}


@pytest.mark.parametrize("kind", sorted(LONG))
def test_ten_thousand_characters_in_one_cell_span_pages_with_nothing_lost(kind):
    value = LONG[kind]
    assert len(value) >= 9_000
    data = _table_document(value)
    assert pages(data) >= 2
    extracted = pdftotext(data).replace(" ", "")
    if kind == "one word":
        assert extracted.count("x") == 10_000
    else:
        tokens = value.split()
        positions = [extracted.find(token) for token in tokens]
        assert -1 not in positions and positions == sorted(positions)


def test_markup_is_printed_as_text():
    data = pdf.build([pdf.paragraph("<b>not bold</b> & <font size=40>x</font>", pdf.styles()["Normal"])], title="T")
    assert "<b>not bold</b> & <font size=40>x</font>" in pdftotext(data)


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=6000), st.integers(5, 200), st.integers(1, 40))
def test_chunks_join_back_and_fit(value, characters, lines):
    pieces = pdf.chunks(value, characters, lines)
    assert "".join(pieces) == value
    assert all(0 < len(p) <= characters and p.count("\n") <= lines for p in pieces)


def test_a_missing_font_names_the_package(tmp_path):
    with pytest.raises(pdf.FontMissing, match="fonts-dejavu-core"):
        pdf.font_file("DejaVuSans", (tmp_path,))
    assert pdf.font_file("DejaVuSans").is_file()
