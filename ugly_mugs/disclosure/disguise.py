"""A text read again with the joins a writer uses to disguise a word undone.

Someone who wants her name past the guard can break it so that no word of the text spells it:

* letters spaced out: "J a d e", "K o w a l s k a", "j a d e . k at example dot org";
* letters strung on one repeated sign: "J.a.d.e", "J-a-d-e", "J_a_d_e";
* letters given as initials: "Z. O. E.", "Z, o, e";
* a word broken by markup, an HTML tag or a backslash, or by a space that is not the ordinary
  one: "J**ad**e", "Ja~~de", "Ja<b>de</b>", "Ja\u00a0de" (no-break), thin and ideographic spaces;
* a sign written for the letter it looks like inside a word: "J@de", "Ja$mine".

``undisguised`` joins those pieces again and remembers where each character came from, so the
guard scans this reading as well as the text (``scan.check``) and marks the original span.
Single characters are joined only in runs of three or more: two single letters side by side
("a I") are ordinary writing, three are not. Words of two or more letters divided by an
ordinary space are never joined ("to be a" is not "Bea").

Invisible characters (zero-width spaces and joiners) need nothing here: a word runs through
them already (``words``). No Flask imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A run of three or more single characters (any but spaces), each alone between horizontal
# spaces (a line break ends the run, since lines are separate things); the run may be opened
# by a bracket or quote and closed by punctuation ("(J a d e).").
_SPACED = re.compile(
    r"(?<![^\s(\[{\"'“‘«¿¡])\S(?:[^\S\n\r\v\f\x85\u2028\u2029]{1,3}\S){2,}(?=[.,;:!?…)\]}\"'’”»]*(?:\s|$))"
)
_SPACE = re.compile(r"\s+")
# Three or more single letters or digits strung on signs ("J.a.d.e", "M.a-r.l-o.w-e").
_STRUNG = re.compile(r"(?<![^\W_])[^\W_](?:[.\-_*·•~/|+][^\W_]){2,}(?![^\W_])")
# Three or more initials, each with its dot or comma ("Z. O. E.", "Z, o, e").
_INITIALS = re.compile(r"(?<![^\W_])[^\W_][.,](?:[^\S\n]{0,3}[^\W_][.,])+[^\S\n]{0,3}[^\W_](?:[.,]|(?![^\W_]))")
# Markup (also an HTML tag or a backslash) and unusual spaces between two letters or digits of one word.
_BREAKS = re.compile(
    r"(?<=[^\W_])(?:[*_~`^|\\]+|</?[a-z][a-z0-9]*>|[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+)(?=[^\W_])",
    re.IGNORECASE,
)
# Signs written for the letters they look like, between two letters of a word ("M@rlowe", "Ja$mine").
_SIGNS = {"@": "a", "$": "s", "€": "e"}
_MAY_HAVE_SIGNS = re.compile(r"[@$€]")
_SIGN = re.compile(r"(?<=[^\W\d_])(?:@(?![\w-]+\.[a-z]{2})|[$€])(?=[^\W\d_])", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """``text`` as read with the joins undone; ``origin[i]`` is the index in the original text of
    character ``i``."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of characters ``start`` to ``end`` (exclusive) of this reading."""
        return self.origin[start], self.origin[end - 1] + 1


# What each kind needs somewhere in a text, searched first (every outgoing text and every field
# filed is read here; few hold any of it, and these searches cost a fraction of the full ones).
_MAY_BE_SPACED = re.compile(r"[^\S\n]\S[^\S\n]")
_MAY_BE_STRUNG = re.compile(r"[.\-_*·•~/|+,]\s*[^\W_][.\-_*·•~/|+,]")
_MAY_BE_BROKEN = re.compile(r"[*_~`^|\\<\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def _dropped(text: str) -> set[int]:
    """Indexes of the characters of ``text`` that the reading leaves out."""
    dropped: set[int] = set()
    if _MAY_BE_SPACED.search(text):
        for match in _SPACED.finditer(text):
            for space in _SPACE.finditer(text, match.start(), match.end()):
                dropped.update(range(space.start(), space.end()))
    if _MAY_BE_STRUNG.search(text):
        for match in _STRUNG.finditer(text):
            dropped.update(range(match.start() + 1, match.end(), 2))
        for match in _INITIALS.finditer(text):
            dropped.update(i for i in range(match.start(), match.end()) if not text[i].isalnum())
    if _MAY_BE_BROKEN.search(text):
        for match in _BREAKS.finditer(text):
            dropped.update(range(match.start(), match.end()))
    return dropped


def undisguised(text: str) -> Reading | None:
    """``text`` with spaced-out and strung letters joined, words broken by markup or unusual
    spaces mended and signs inside a word read as the letters they stand for (see the module
    docstring), or None when nothing in it is read differently."""
    dropped = _dropped(text)
    signs = {m.start(): _SIGNS[m.group()] for m in _SIGN.finditer(text)} if _MAY_HAVE_SIGNS.search(text) else {}
    if not dropped and not signs:
        return None
    kept = tuple(i for i in range(len(text)) if i not in dropped)
    return Reading("".join(signs.get(i, text[i]) for i in kept), kept)
