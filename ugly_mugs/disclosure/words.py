"""Words and the forms of a name: matching a protected word however it is written or inflected.

A text is cut into words of any script (letters and digits, and characters that look like
them); an apostrophe inside a word and invisible characters are skipped, so "Marlowe's" is
read "marlowes" and "Mar\u200blowe" "marlowe". Each character keeps all its readings
(``normalise.readings``), and a word matches a protected word when *some* choice of
readings spells one of its accepted forms: the look-alike and the transliteration of each
character are tried together, so one word can mix both. Digits standing between letters are
read as the letters they stand for too ("J4d3", "M1ll"), and a word of letters followed by
digits also by its letters alone ("Jade22").

Both sides are then loosened the same way: y reads as i and a doubled consonant as one
(Mariya / Maria are not told apart; Kelly / Keli neither). A name word of four letters or more
is also matched as the scheme's other alphabets and orthographies spell it (``fold_spelling``:
Kowalska / Ковальска / Kovalska, Szymańska / Шиманска, Wójcik / Вуйчик, Dąbrowska /
Домбровска, Aleksandra / Alexandra), unless the word is an ordinary word written as one: in
small letters ("chase" is not Kasia's, "кости" not Kostya's).

The forms accepted for a name word (``name_forms``) are the word itself, its possessive and
plural (-s, -es), and the case endings of the scheme's languages on its stem (the word less
a final vowel, and less the fleeting e of Polish -ek/-el: Marek → Marka, Markiem): Polish
(-a -u -owi -em -ie -y -ę -ą -o -ę …), Romanian (-ei -ului -ul -ii), Bulgarian (vocative -e
-o) and Portuguese diminutives (-inha -inho). Polish stems alternate before -e/-ie (k→c,
g→dz, r→rz, t→c, d→dz, ł→l: Agnieszka → Agnieszce, Marta → Marcie), and names in -ia
write their oblique cases with one i (Kasia → Kasi). Words of two letters
match only themselves and their possessive, and a stem needs two letters, to keep false
alarms down.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from wordfreq import zipf_frequency

from ugly_mugs.disclosure import normalise

VOWELS = frozenset("aeiou")
ENGLISH_ENDINGS = ("s", "es")
# Case endings, already in the loosened ASCII the matcher compares (ę→e, ą→a, y→i).
CASE_ENDINGS = (
    # Polish
    "a", "u", "e", "i", "o", "em", "om", "owi", "ie", "iem", "ej", "ach", "ami", "ow", "owie", "owa",
    "iej", "ego", "iego", "emu", "im",  # adjectives, as street names often are (Długa → Długiej)
    # Romanian
    "ei", "ului", "ul", "ii", "lui",
    # Portuguese diminutives
    "inha", "inho", "zinha", "zinho",
)  # fmt: skip
# Polish consonant alternations before -e / -ie (locative and dative).
ALTERNATIONS = {"k": "c", "g": "dz", "r": "rz", "t": "c", "d": "dz", "l": "l", "ch": "sz", "sl": "sl"}
ALTERNATED_ENDINGS = ("e", "ie")
# The one look-alike in the confusables table between a pair of ASCII letters and a letter.
SEQUENCE_LOOKALIKES = {"rn": ("rn", "m")}
# Digits written for the letters they stand for inside a word ("J4d3", "M1ll", "K0w4lsk4"): read
# as those letters too (``_leet``).
LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
# A word's letters followed by digits ("Jade22", "jadek99"): the letters alone are matched too,
# when there are at least this many of them.
LETTERS_BEFORE_DIGITS = 3


# How one name is spelled in the scheme's other alphabets and orthographies ("Kowalska",
# "Ковальска", "Kovalska"; "Szymańska", "Шиманска"; "Aleksandra", "Alexandra"): each side's
# plain reading is folded by these, in order, to one spelling (``fold_spelling``). Polish
# digraphs meet the official Bulgarian transliteration (sz/sh → s, cz/ch → C for ч, rz/zh → z,
# ц as ts → c, х as kh → h), w meets v, j meets й (as i), ks meets x, ph meets f, Polish soft ie
# meets e, and a c before a, o, u or a consonant meets k (Popescu, Попеску); ч is kept apart
# (C) from that c, so "chase" is not "kase".
SPELLING_FOLDS = (
    ("w", "v"), ("j", "i"), ("sz", "s"), ("cz", "C"), ("rz", "z"), ("sh", "s"), ("kh", "k"), ("ch", "C"),
    ("zh", "z"), ("ts", "c"), ("tz", "c"), ("ph", "f"), ("ks", "x"), ("ie", "e"), ("ii", "i"), ("ci", "Ci"),
)  # fmt: skip
# Read before the folds: ch before a consonant is k (Christina, Кристина), a final ie is i
# (Stephanie, Стефани).
_BEFORE_FOLDS = ((re.compile(r"ch(?=[^aeiouy])"), "k"), (re.compile(r"ie$"), "i"))
_HARD_C = re.compile(r"c(?![eiC])")
# A word is read by ``fold_spelling`` only when it has this many letters, and is not taken for
# a name it folds to when it is an ordinary word written as one (``_an_ordinary_word``):
# folding joins words it should not ("chase" and Kasia's "kasie").
FOLDED_LETTERS = 4
# The scheme's languages, as the ``wordfreq`` lists name them; a word this common (Zipf scale: 3
# is once per million words) in any of them is an ordinary word.
WORD_LANGUAGES = ("en", "pl", "ro", "bg", "pt")
COMMON_WORD_ZIPF = 3.0
# A run of one consonant (y is read as i first): what ``loosen`` keeps once.
_DOUBLED = re.compile(r"([b-df-hj-np-tv-xz])\1+")


def loosen(text: str) -> str:
    """y as i, doubled consonants as one: the spelling differences the matcher ignores."""
    text = text.replace("y", "i")
    if text.isascii():
        return _DOUBLED.sub(r"\1", text)
    out: list[str] = []
    for ch in text:
        if out and ch == out[-1] and ch.isalpha() and ch not in VOWELS:
            continue
        out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def frequency(word: str) -> float:
    """How common ``word`` is in the scheme's languages: its highest Zipf frequency in their
    ``wordfreq`` lists (the small ones; 3 is once per million words, 0 not listed)."""
    return max(zipf_frequency(word, language, wordlist="small") for language in WORD_LANGUAGES)


def is_common_word(word: str) -> bool:
    """Whether ``word`` is an ordinary word of one of the scheme's languages: "massage",
    "escort", "van", "recepcja"."""
    return frequency(word) >= COMMON_WORD_ZIPF


# A word written with a capital is an ordinary word (at the start of a sentence) rather than a
# name when it is this common: names are rarer (Victoria 4.7, Julia 4.4, Silvia 4.1), the words
# that begin sentences commoner (Says 5.5, Tego 6.5, Czasie 5.6).
CAPITALISED_WORD_ZIPF = 5.0


# A word in small letters that matches another form of her name is an ordinary word when it is
# common and this much more common than her name (Zipf): "kasę" (4.6) beside Kasia (3.8), not
# "silvia" (4.1) beside Sylwia (3.8). A name that is itself a common word (Case, Stan, Costa)
# counts as no commoner than ``NAME_ZIPF``, a common name's frequency.
MORE_COMMON_THAN_HER_NAME = 0.4
NAME_ZIPF = 3.8


def _an_ordinary_word(written: str, name: str) -> bool:
    """Whether a word that matches another form of her name ``name`` (an inflection, or her name
    respelled) is more likely an ordinary word: in small letters, common in one of the scheme's
    languages and commoner than her name ("chase", "kasę", "кости", "marry", "ani", "very"), or
    with a capital and very common ("Says", "Czasie"); not "silvia", "Alexandra"."""
    common = frequency(written.lower())
    if written[:1].islower():
        name_common = min(frequency(name.lower()), NAME_ZIPF)
        return common >= COMMON_WORD_ZIPF and common - name_common >= MORE_COMMON_THAN_HER_NAME
    return common >= CAPITALISED_WORD_ZIPF


# Letters whose sound the other alphabets write otherwise than their transliteration does
# (Wójcik is Вуйчик, Țurcanu Цуркану, Conceição Консейсао): read so before folding. The nasal
# vowels are read with m before b or p (Dąbrowska, Домбровска) and with n elsewhere (Węgrzyn,
# Венгжин).
SOUNDS = {"ó": "u", "ț": "ts", "ţ": "ts", "ć": "ch", "ç": "s"}
NASALS = {"ą": "o", "ę": "e"}


def sounded(written: str) -> str:
    """A word as written, read letter by letter by its sound where ``SOUNDS`` and ``NASALS``
    say, each other letter by its first reading (digits in a word of letters as the letters
    they stand for, ``LEET``); what is not a letter or digit is left out."""
    low = written.lower()
    has_letters = any(ch.isalpha() for ch in low)
    out = []
    for i, ch in enumerate(low):
        if ch in SOUNDS:
            out.append(SOUNDS[ch])
        elif ch in NASALS:
            out.append(NASALS[ch] + ("m" if low[i + 1 : i + 2] in ("b", "p") else "n"))
        elif ch.isdigit() and has_letters and ch in LEET:
            out.append(LEET[ch][0])
        elif normalise.is_word_char(ch):
            out.append(normalise.readings(ch)[0])
    return "".join(out)


def fold_spelling(plain: str) -> str:
    """A loosened ASCII reading (``Word.plain``) folded by ``SPELLING_FOLDS`` to the spelling it
    shares with its forms in the scheme's other alphabets and orthographies."""
    for pattern, read in _BEFORE_FOLDS:
        plain = pattern.sub(read, plain)
    for written, folded in SPELLING_FOLDS:
        if written in plain:
            plain = plain.replace(written, folded)
    return _DOUBLED.sub(r"\1", _HARD_C.sub("k", plain))


@dataclass(frozen=True)
class Word:
    """One word of a text: its original span and the readings of each of its characters."""

    start: int
    end: int
    letters: tuple[tuple[str, ...], ...]
    written: str = ""  # the word as it stands in the text

    @property
    def translit(self) -> str:
        """The word read by transliteration only."""
        return "".join(options[0] for options in self.letters)

    def plain(self) -> str:
        """The word read by transliteration only, loosened (kept: scanning a text asks for it
        once for every protected value and street it is compared with)."""
        # Kept in the instance's own dict: functools.cached_property takes a lock on every read.
        try:
            return self.__dict__["_plain"]
        except KeyError:
            plain = self.__dict__["_plain"] = loosen(self.translit)
            return plain

    def folded(self) -> str:
        """The word as written, read by its sounds (``sounded``) and folded by ``fold_spelling``
        (kept, like ``plain``)."""
        try:
            return self.__dict__["_folded"]
        except KeyError:
            folded = self.__dict__["_folded"] = fold_spelling(loosen(sounded(self.written)))
            return folded

    def is_number(self) -> bool:
        return all(options[0].isdigit() for options in self.letters if options[0])


def words(text: str) -> list[Word]:
    """The words of ``text``, in order."""
    found = _ascii_words(text) if text.isascii() else _words(text)
    if _DIGIT.search(text):
        found = [_leet(word) for word in found]
    return found


_DIGIT = re.compile(r"\d")


# Digits only before or after three letters or more ("Jad3", "4nna", "4nn4"): read as letters
# too; codes of fewer letters (AL1, LS6, M62, 3rd, 1A) are left as they are.
_LEET_AT_AN_END = re.compile(r"d{1,2}a{3,}d{0,2}|a{3,}d{1,2}")


def _leet(word: Word) -> Word:
    """``word`` with its digits also read as the letters they stand for (``LEET``), when one of
    them stands between two letters ("J4d3", "M1ll") or one or two of them begin or end a word of
    three letters or more ("Jad3", "4nna"); else ``word``. Codes of fewer letters whose digits
    only follow or lead them (AL1, LS6, M62, 3rd, 1A) are left as they are."""
    letters = word.letters
    if len(letters) < 3 or not any(options[0].isdigit() for options in letters):
        return word
    kinds = "".join("d" if options[0].isdigit() else "a" if options[0].isalpha() else "-" for options in letters)
    if not (re.search(r"ad+a", kinds) or re.fullmatch(_LEET_AT_AN_END, kinds)):
        return word
    read = tuple(
        tuple(dict.fromkeys(options + tuple(LEET.get(options[0], "")))) if options[0].isdigit() else options
        for options in letters
    )
    return Word(word.start, word.end, read, word.written)


@functools.cache
def _ascii_reader() -> tuple[re.Pattern, dict[str, tuple[str, ...]]]:
    """What ``words`` reads in ASCII text, worked out once from ``normalise``: a pattern for a
    word (word characters, an apostrophe only between two of them) and each word character's
    readings."""
    chars = [chr(code) for code in range(128) if normalise.is_word_char(chr(code))]
    word = "[" + "".join(re.escape(ch) for ch in chars) + "]+"
    apostrophes = "[" + "".join(re.escape(a) for a in sorted(normalise.APOSTROPHES) if a.isascii()) + "]"
    return re.compile(f"{word}(?:{apostrophes}{word})*"), {ch: normalise.readings(ch) for ch in chars}


def _ascii_words(text: str) -> list[Word]:
    """``_words`` for ASCII text (most of what is written), by one pattern instead of a loop
    over characters: ASCII has no invisible characters or combining marks."""
    pattern, reading = _ascii_reader()
    found: list[Word] = []
    for match in pattern.finditer(text):
        letters = [reading[ch] for ch in match.group() if ch in reading]
        if ("n",) in letters and ("r",) in letters:
            joined: list[tuple[str, ...]] = []
            for options in letters:
                if options == ("n",) and joined and joined[-1] == ("r",):
                    joined[-1] = SEQUENCE_LOOKALIKES["rn"]
                else:
                    joined.append(options)
            letters = joined
        found.append(Word(match.start(), match.end(), tuple(letters), match.group()))
    return found


def _words(text: str) -> list[Word]:
    """The words of any text, one character at a time."""
    found: list[Word] = []
    start = None
    letters: list[tuple[str, ...]] = []
    end = 0
    for index, ch in enumerate(text):
        if normalise.is_word_char(ch):
            if start is None:
                start = index
            options = normalise.readings(ch)
            if options == ("n",) and letters and letters[-1] == ("r",):
                # "rn" looks like "m" (the confusables table's one such pair of ASCII letters).
                letters[-1] = SEQUENCE_LOOKALIKES["rn"]
            else:
                letters.append(options)
            end = index + 1
        elif start is not None and _inside_word(text, index):
            continue
        elif start is not None:
            found.append(Word(start, end, tuple(letters), text[start:end]))
            start, letters = None, []
    if start is not None:
        found.append(Word(start, end, tuple(letters), text[start:end]))
    return found


def _inside_word(text: str, index: int) -> bool:
    """Invisible characters, combining marks and an apostrophe before a letter do not end a word."""
    ch = text[index]
    if normalise.is_invisible(ch) or normalise.is_mark(ch):
        return True
    return ch in normalise.APOSTROPHES and index + 1 < len(text) and normalise.is_word_char(text[index + 1])


class Forms:
    """A set of accepted spellings, matched against words without listing every reading; and
    against ``folded`` spellings by their spelling in the scheme's other alphabets
    (``fold_spelling``)."""

    def __init__(self, spellings: Iterable[str], folded: Iterable[str] = (), name: str = ""):
        self.spellings = frozenset(s for s in spellings if s)
        # The name as typed and its own spellings (possessive and plural too): a match of another
        # of its forms (an inflection) that is an ordinary word written as one is not a hit.
        self.name = name
        self._bases = frozenset(_inflected(spellings_of(name), endings=False)) if name else frozenset()
        self._prefixes = frozenset(s[:i] for s in self.spellings for i in range(len(s) + 1))
        # Folded spelling → the spellings (``folded``: the accepted ones and those read by their
        # sounds) that fold to it.
        self._folded: dict[str, list[str]] = {}
        for spelling in sorted(folded):
            if len(spelling) >= FOLDED_LETTERS:
                self._folded.setdefault(fold_spelling(spelling), []).append(spelling)

    def __bool__(self) -> bool:
        return bool(self.spellings)

    def match(self, word: Word) -> str | None:
        """The accepted spelling some reading of ``word`` gives, or None; a word of letters
        followed by digits ("Jade22") also by its letters alone (``LETTERS_BEFORE_DIGITS``).

        Readings are chosen character by character and loosened as they are joined; only
        partial readings that begin some accepted spelling are kept, so a word of many
        look-alikes costs no more than the forms it could still become.
        """
        letters = word.letters
        found = self._match(letters)
        if found is None and letters and letters[-1][0].isdigit():
            cut = len(letters)
            while cut and letters[cut - 1][0].isdigit():
                cut -= 1
            if cut >= LETTERS_BEFORE_DIGITS:
                found = self._match(letters[:cut])
        if found is not None and self._bases and found not in self._bases and self._ordinary(word):
            found = None  # "ani" (years) is not Ana's genitive, "very" not Vera's
        if found is None and self._folded and len(letters) >= FOLDED_LETTERS:
            names = self._folded.get(word.folded())
            if names and not self._ordinary(word):
                found = names[0]
        return found

    def _ordinary(self, word: Word) -> bool:
        return _an_ordinary_word(word.written, self.name)

    def _match(self, letters: tuple[tuple[str, ...], ...]) -> str | None:
        partial = {""}
        prefixes = self._prefixes
        for options in letters:
            grown: set[str] = set()
            for done in partial:
                for option in options:
                    candidate = _append(done, option)
                    if candidate in prefixes:
                        grown.add(candidate)
            if not grown:
                return None
            partial = grown
        hits = partial & self.spellings
        return min(hits) if hits else None


def _append(done: str, option: str) -> str:
    if len(option) == 1 and option != "y":
        # Most readings are one letter: the loop below, for one character.
        if done and option == done[-1] and option.isalpha() and option not in VOWELS:
            return done
        return done + option
    for ch in option.replace("y", "i"):
        if done and ch == done[-1] and ch.isalpha() and ch not in VOWELS:
            continue
        done += ch
    return done


def spellings_of(value: str) -> set[str]:
    """Every loosened reading of a protected word typed by the reporter (all readings of each
    non-ASCII character; ASCII as typed)."""
    spelled = {""}
    for ch in value:
        options = normalise.readings(ch) if not ch.isascii() else (ch.lower(),)
        if ch in normalise.APOSTROPHES or normalise.is_invisible(ch):
            continue
        spelled = {_append(s, o) for s in spelled for o in options}
        if len(spelled) > 512:  # a name of many ambiguous letters: keep the first readings
            spelled = set(sorted(spelled)[:512])
    return {s for s in spelled if s}


def stems(form: str) -> set[str]:
    """Stems that case endings attach to: less a final vowel, less Polish fleeting e."""
    found = set()
    if len(form) >= 3 and form[-1] in VOWELS:
        found.add(form[:-1])
    if len(form) >= 4 and form[-2] == "e" and form[-1] in "kl" and form[-3] not in VOWELS:
        found.add(form[:-2] + form[-1])
    return {s for s in found if len(s) >= 2}


def name_forms(value: str, respelled: bool = True) -> Forms:
    """The accepted forms of one protected name word (see the module docstring); with
    ``respelled``, also as the other alphabets spell them (``fold_spelling``)."""
    accepted = _inflected(spellings_of(value))
    if not respelled:
        return Forms(accepted, name=value)
    return Forms(accepted, folded=accepted | _inflected({loosen(sounded(value))}), name=value)


def _inflected(spellings: Iterable[str], endings: bool = True) -> set[str]:
    """Each spelling with its possessive and plural, and (``endings``) its case endings (module
    docstring)."""
    accepted: set[str] = set()
    for form in spellings:
        accepted.add(form)
        accepted.update(loosen(form + ending) for ending in ENGLISH_ENDINGS)
        if len(form) <= 2 or not endings:
            continue
        if len(form) >= 4 and form.endswith("ia"):
            # Polish soft stems write the oblique cases with one i: Kasia → Kasi, Basia → Basi.
            accepted.add(form[:-1])
        for stem in stems(form) | {form}:
            accepted.update(loosen(stem + ending) for ending in CASE_ENDINGS if len(stem) + len(ending) >= 3)
            for tail, changed in ALTERNATIONS.items():
                if stem.endswith(tail) and len(stem) >= 3:
                    accepted.update(loosen(stem[: -len(tail)] + changed + e) for e in ALTERNATED_ENDINGS)
    return accepted


def exact_forms(value: str) -> Forms:
    """The accepted forms of a protected word that is not inflected (street and place words)."""
    return Forms(spellings_of(value))


def find(forms: Forms, text_words: list[Word]) -> Iterator[tuple[Word, str]]:
    for word in text_words:
        matched = forms.match(word)
        if matched:
            yield word, matched
