"""Other people named in her account: words of her narrative that look like people's names.

Her own name is protected by the identity section, but what she wrote may name her sister, her
flatmate or a neighbour ("My sister Kim Testperson saw it"), and repeating any of them in an
alert can lead back to her as surely as her own name. Nobody can tell a name from a word with
certainty, so these are not blocked: the guard *flags* them, and the coordinator confirms,
deliberately, before the text leaves.

A word looks like a name when it is written with a capital first letter and then small
letters, in any script of the scheme (Latin, Cyrillic), and either stands inside a sentence
(a capital there marks a proper noun in all five languages) or, at the start of a sentence,
beside another such word and is not one of the language's common little words ("Kim
Testperson saw it" flags Kim; "In Holbeck" does not flag "In": the stop-word lists of the
``stop-words`` package, for the five languages). Left out: words of her own name (they
block), his declared identifiers and the words of his description (the name he used, the car
make), the names of months and days in the five languages (CLDR data from ``babel``), words
the caller knows (area names, kinds of incident) and words shorter than two letters.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from babel.dates import get_day_names, get_month_names
from stop_words import get_stop_words

from ugly_mugs.disclosure import normalise, words
from ugly_mugs.disclosure.profile import Name, Profile

LANGUAGES = ("en", "pl", "ro", "bg", "pt_BR")
STOP_WORD_LANGUAGES = ("english", "polish", "romanian", "bulgarian", "portuguese")
# Capitalised inside a sentence without being a name: the English pronoun, and the few words
# that people capitalise by habit in these accounts.
NOT_PEOPLE = {"i", "im", "ive", "id", "ill", "mr", "mrs", "ms", "miss", "dr", "god", "police", "christmas", "easter"}
SENTENCE_END = ".!?…\n"
OPENING = "\"'“‘«„([{-–—*•"
FLAG = "is a name from the reporter's account: confirm it cannot lead to her"


@functools.cache
def _calendar_words() -> frozenset[str]:
    found = set()
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for name in [
                    *get_month_names(width, context, language).values(),
                    *get_day_names(width, context, language).values(),
                ]:
                    found.add(words.loosen(normalise.fold(name.rstrip("."), looks=False).text))
    return frozenset(found)


@functools.cache
def _little_words() -> frozenset[str]:
    """The five languages' common little words, folded as the matcher reads words."""
    return frozenset(
        words.loosen(normalise.fold(word, looks=False).text.replace("'", ""))
        for language in STOP_WORD_LANGUAGES
        for word in get_stop_words(language)
    )


def is_little_word(raw: str) -> bool:
    """Whether ``raw`` is one of the five languages' common little words ("In", "Ona", "Sunt")."""
    return words.loosen(normalise.fold(raw, looks=False).text.replace("'", "")) in _little_words()


def _capitalised(raw: str) -> bool:
    letters = [ch for ch in raw if ch.isalpha()]
    if len(letters) < 2 or any(ch.isdigit() for ch in raw):
        return False
    return letters[0].isupper() and not all(ch.isupper() for ch in letters)


def _starts_sentence(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and (text[i].isspace() and text[i] != "\n" or text[i] in OPENING):
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


def candidates(texts: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """The words of ``texts`` that look like people's names (see the module docstring), as
    written, each once, in order of appearance; ``known`` are words that are not (area names,
    his description), compared however they are spelled."""
    excluded = set(_calendar_words()) | NOT_PEOPLE
    for value in known:
        excluded.update(w.plain() for w in words.words(value))
    found: dict[str, str] = {}
    for text in texts:
        found_words = words.words(text)
        shaped = [_capitalised(text[w.start : w.end]) for w in found_words]
        for i, word in enumerate(found_words):
            if not shaped[i]:
                continue
            plain = word.plain()
            if len(plain) < 2 or plain in excluded or plain in found:
                continue
            inside = not _starts_sentence(text, word.start)
            beside = (i + 1 < len(found_words) and shaped[i + 1] and _joined(text, word, found_words[i + 1])) or (
                i > 0 and shaped[i - 1] and _joined(text, found_words[i - 1], word)
            )
            if inside or (beside and plain not in _little_words()):
                found[plain] = text[word.start : word.end]
    return list(found.values())


def _joined(text: str, left: words.Word, right: words.Word) -> bool:
    return text[left.end : right.start] in (" ", "-")


def others(her_words: Iterable[str], profile: Profile, known: Iterable[str] = ()) -> Profile:
    """A profile of the names of other people in ``her_words`` (her own name and his declared
    identifiers left out), for ``scan.check`` to find again however they are written."""
    own = {name.forms for name in profile.names}
    skip = [*known, *profile.declared]
    names = []
    for raw in candidates(her_words, skip):
        word = words.words(raw)[0]
        if any(forms.match(word) for forms in own):
            continue
        names.append(Name(raw, words.name_forms(raw)))
    return Profile(names=tuple(names), region=profile.region)
