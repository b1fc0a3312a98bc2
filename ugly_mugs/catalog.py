"""Marking messages for the translation catalogs in code that runs without a request.

``N_("text")`` returns the text unchanged; ``make translations`` extracts it (``-k N_``), and
the page or bulletin that shows it translates it then, in the reader's language.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional name of a no-op gettext marker
    """``message`` unchanged: only marks it for extraction."""
    return message
