"""The one document helper every PDF of the scheme is built with: the police export of a report,
the monitoring period report and the printable alert sheet. No Flask imports.

**Font.** ReportLab's built-in Helvetica has no Cyrillic and no ș, ț or ł, so Bulgarian,
Romanian and Polish came out as black boxes. Every style here uses DejaVu Sans, a TrueType font
with Latin, Cyrillic and Greek, embedded (subset) in each document. It is not shipped in this
repository: it comes from Debian's ``fonts-dejavu-core`` package (``/usr/share/fonts/truetype/
dejavu``), which ``make fonts`` installs (``make run`` and ``make test`` depend on it) and the
container image installs; ``FontMissing`` names the package when it is absent.

**Long text.** A table row taller than a page cannot be laid out (ReportLab raises
``LayoutError``), and a report's "what happened" may be 10,000 characters. ``text_rows`` splits
a long value into rows of at most ``CHUNK_CHARACTERS`` characters and ``CHUNK_LINES`` lines,
broken at line ends or spaces, and every table lets a row split across pages
(``splitInRow``) as well; a paragraph breaks words longer than a line.

Text is always set as plain text: ``paragraph`` escapes it, since what people type (and names
from the configuration) must never be read as ReportLab markup.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

PACKAGE = "fonts-dejavu-core"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FAMILY = "DejaVuSans"
FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
# A chunk of long text that always fits on a page in a table cell of a third of its width.
CHUNK_CHARACTERS = 1500
CHUNK_LINES = 30


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed; the message names the package that provides it."""


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str


def font_file(name: str = "DejaVuSans", folders: Sequence[Path] = FONT_DIRS) -> Path:
    """Where the font file ``name`` (a key of ``FILES``) is in ``folders``; FontMissing if nowhere."""
    for folder in folders:
        candidate = folder / FILES[name]
        if candidate.is_file():
            return candidate
    raise FontMissing(f"{FILES[name]} was not found in {', '.join(map(str, folders))}: install {PACKAGE}")


def fonts() -> Fonts:
    """Register DejaVu Sans (once per process) as a family, so that bold and italic markup use it."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in FILES:
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_file(name))))
    pdfmetrics.registerFontFamily(
        FAMILY, normal=FAMILY, bold="DejaVuSans-Bold", italic="DejaVuSans-Oblique", boldItalic="DejaVuSans-BoldOblique"
    )
    return Fonts(FAMILY, "DejaVuSans-Bold", "DejaVuSans-Oblique")


def styles() -> StyleSheet1:
    """ReportLab's sample styles (Title, Heading1-3, Normal, BodyText, Italic …) in DejaVu Sans,
    breaking words longer than a line."""
    f = fonts()
    sheet = getSampleStyleSheet()
    for name in list(sheet.byName):
        style = sheet[name]
        if not isinstance(style, ParagraphStyle):
            continue
        bold = "Bold" in style.fontName or name.startswith(("Title", "Heading"))
        italic = "Oblique" in style.fontName or "Italic" in style.fontName
        style.fontName = f.bold if bold else (f.italic if italic else f.regular)
        style.bulletFontName = f.regular
        style.splitLongWords = 1
    return sheet


def style(base: ParagraphStyle, name: str, **changes) -> ParagraphStyle:
    """A style derived from ``base`` (from ``styles()``), e.g. a smaller or bold one."""
    return ParagraphStyle(name, parent=base, **changes)


def paragraph(text: str, paragraph_style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph: escaped (no markup), line ends kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), paragraph_style)


_BREAK = re.compile(r"\s")


def chunks(text: str, characters: int = CHUNK_CHARACTERS, lines: int = CHUNK_LINES) -> list[str]:
    """``text`` in pieces of at most ``characters`` characters and ``lines`` lines, each broken at
    a line end, else at a space, else (one long word) anywhere; nothing is dropped or reordered."""
    pieces: list[str] = []
    rest = text
    while rest:
        window = rest[:characters]
        cut = len(window)
        newline_positions = [i for i, ch in enumerate(window) if ch == "\n"]
        if len(newline_positions) >= lines:
            cut = newline_positions[lines - 1] + 1
        elif len(rest) > characters:
            at_line = window.rfind("\n")
            at_space = max((m.start() for m in _BREAK.finditer(window)), default=-1)
            best = at_line if at_line > characters // 2 else at_space
            cut = best + 1 if best > 0 else characters
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return pieces


def text_rows(cells: Sequence[object], text: str, paragraph_style: ParagraphStyle) -> list[list[object]]:
    """Table rows for one long value: the first row is ``cells`` then the first piece of ``text``,
    each further row has empty cells then the next piece (see ``chunks``)."""
    blank = [""] * len(cells)
    return [
        [*(cells if i == 0 else blank), paragraph(piece, paragraph_style)]
        for i, piece in enumerate(chunks(text) or [""])
    ]


def table(rows: list[list[object]], widths: Sequence[float], header_rows: int = 1, grid: bool = True) -> Table:
    """A table whose rows may split across pages, its header repeated on each page."""
    made = Table(rows, colWidths=list(widths), repeatRows=header_rows, splitInRow=1)
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), fonts().regular)]
    if grid:
        commands += [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
        ]
    made.setStyle(TableStyle(commands))
    return made


def build(story: list, title: str, author: str = "", **margins: float) -> bytes:
    """The document as bytes: A4, ``title`` (and ``author``) in its metadata and nothing else
    (no creation date: ``invariant``), margins in points (default 20 mm sides, 18 mm top and bottom)."""
    f = fonts()
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=margins.get("left", 20 * mm),
        rightMargin=margins.get("right", 20 * mm),
        topMargin=margins.get("top", 18 * mm),
        bottomMargin=margins.get("bottom", 18 * mm),
        title=title,
        author=author,
        invariant=1,
        # Each page starts in DejaVu Sans too, so no built-in font is referenced at all.
        initialFontName=f.regular,
    ).build(story)
    return out.getvalue()
