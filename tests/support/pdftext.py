"""Reading a PDF back as the people who get it would: its text through poppler's ``pdftotext``
(Debian's poppler-utils, ``make pdf-tools``), and the fonts it uses through pypdf."""

from __future__ import annotations

import io
import shutil
import subprocess

from pypdf import PdfReader


def pdftotext(data: bytes) -> str:
    """The document's text as ``pdftotext`` extracts it (UTF-8), white space made single spaces."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: make pdf-tools"
    done = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=60, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def fonts(data: bytes) -> set[str]:
    """The base names of every font the document's pages use (``AAAAAA+DejaVuSans`` → ``DejaVuSans``)."""
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            found.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return found


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
