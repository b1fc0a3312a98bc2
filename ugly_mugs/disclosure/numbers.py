"""Phone numbers: finding hers in what she wrote, and finding them again however they are typed.

Her numbers are read with the ``phonenumbers`` library (the region for numbers written
without a country code comes from the configuration) and kept as their *national
significant number*: the digits after the country code and trunk zero, seven or more
(shorter runs are times, amounts and house numbers). 07700 900123, +44 7700 900123 and
0044 (0)7700-900-123 all keep 7700900123.

In an outgoing text a number is looked for as a run of digits, however it is spaced: the
digits of neighbouring numeric words are joined across any spaces, punctuation and line
breaks (a word of letters ends the run; a digit written as a word, in any of the five
languages, is a numeric word: ``DIGIT_WORDS``, and so are English teens, tens, hundreds and
thousands: "seven hundred", "one twenty-three"), and a number split into a few runs with words
between them is found too. A numeric word may hold digits of any script and
the letters that look like digits (O and o for 0; I, l and | for 1, after
``normalise.visual``: Cyrillic З for 3, fullwidth digits …), but must hold at least one real
digit, so that "lol" or "Io" are never numbers. A protected number is found when its
national significant number occurs in a run: the country code, trunk zero or any prefix
before it do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from ugly_mugs.disclosure import normalise

# The fewest digits read as a phone number: no dialable number in the scheme's countries is
# shorter, while times (2315), amounts (1500) and house numbers are.
MIN_PHONE_DIGITS = 7
# Digits before a match that are a country code or trunk prefix and belong to the same number.
MAX_PREFIX_DIGITS = 4
# Digits written as words, in the scheme's five languages (Bulgarian in Cyrillic and in Latin
# letters; "oh" for nought in English, "meia" for six in Brazilian phone numbers), each word
# read as its digit wherever a numeric word may stand: "seven seven oh oh nine …" is a number.
_DIGIT_NAMES = {
    "0": ("zero", "oh", "nought", "nula", "нула"),
    "1": ("one", "jeden", "jedna", "unu", "una", "едно", "edno", "един", "edin", "um", "uma"),
    "2": ("two", "dwa", "dwie", "doi", "două", "две", "два", "dve", "dva", "dois", "duas"),
    "3": ("three", "trzy", "trei", "три", "tri", "três"),
    "4": ("four", "cztery", "patru", "четири", "chetiri", "quatro"),
    "5": ("five", "pięć", "cinci", "пет", "pet", "cinco"),
    "6": ("six", "sześć", "șase", "шест", "shest", "seis", "meia"),
    "7": ("seven", "siedem", "șapte", "седем", "sedem", "sete"),
    "8": ("eight", "osiem", "opt", "осем", "osem", "oito"),
    "9": ("nine", "dziewięć", "nouă", "девет", "devet", "nove"),
}
# How people say a digit given twice or three times in a row ("double seven oh"), in English.
REPEATS = {"double": 2, "triple": 3}
# How people say two digits at once, in English: teens and tens ("one twenty-three" is 123,
# "twenty" alone 20) and hundreds and thousands ("seven hundred" is 700, "nine thousand" 9000).
TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
ZEROS = {"hundred": "00", "thousand": "000"}
# Words that say digits of their own, or join them ("and" after a hundred).
SAID_AT_ONCE = frozenset({*TEENS, *TENS, *ZEROS, "and"})
# Keyed as ``_numeric_words`` reads a word (``normalise.fold_numbers``: Cyrillic by look).
DIGIT_WORDS = {normalise.fold(name).text: digit for digit, names in _DIGIT_NAMES.items() for name in names}
_RUN = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}")


@dataclass(frozen=True)
class Run:
    """Digits read from neighbouring numeric words, each with its original span."""

    digits: str
    spans: tuple[tuple[int, int], ...]  # per digit
    word_index: tuple[int, ...]  # per digit: which numeric word of the run it came from
    word_spans: tuple[tuple[int, int], ...]  # per numeric word


def _numeric_words(text: str) -> Iterator[tuple[int, int, str, list[tuple[int, int]]]]:
    """(start, end, digits, digit spans) of each word that reads as a number, or is made of
    digit look-alikes only ("O", "l"): inside or at the end of a run of digits, those are
    digits too ("07700 90012 O")."""
    folded = normalise.fold_numbers(text)
    repeat = 1  # "double seven" is 77, "triple oh" 000
    tens: tuple[int, int] | None = None  # the span of "twenty" until its unit is known
    tokens = list(_WORD.finditer(folded.text))
    for index, match in enumerate(tokens):
        word = match.group()
        named = DIGIT_WORDS.get(word)
        if tens is not None and (named is None or named == "0"):
            # "twenty" with no unit after it is 20: its nought, where it was said.
            yield *tens, "0", [tens]
        tens = None
        if word in REPEATS:
            # A numeric word with no digit of its own, so that it does not end the run.
            repeat = REPEATS[word]
            yield (*folded.span(match.start(), match.end()), "", [])
            continue
        if not (named or word in SAID_AT_ONCE or word[0].isdigit() or word[0] in normalise.DIGIT_LOOKALIKES):
            repeat = 1
            continue  # most words: no number (their span is not worked out)
        start, end = folded.span(match.start(), match.end())
        if word == "and":
            if index and tokens[index - 1].group() in ZEROS:
                # "a hundred and twenty-three": the "and" does not end the number.
                yield start, end, "", []
            continue
        before = tokens[index - 1].group() if index else ""
        spoken = TEENS.get(word) or (_zeros(word, before, tokens[index + 1 :]) if word in ZEROS else None)
        if word in TENS:
            tens = (start, end)
            yield start, end, TENS[word], [(start, end)]
        elif spoken is not None:
            yield start, end, spoken, [(start, end)] * len(spoken)
        elif named is not None:
            yield start, end, named * repeat, [(start, end)] * repeat
        elif word.isdigit() or all(ch in normalise.DIGIT_LOOKALIKES for ch in word):
            digits = "".join(normalise.DIGIT_LOOKALIKES.get(ch, ch) for ch in word)
            spans = [folded.span(i, i + 1) for i in range(match.start(), match.end())]
            start, end = folded.span(match.start(), match.end())
            yield start, end, digits[0] * (repeat - 1) + digits, spans[:1] * (repeat - 1) + spans
        repeat = 1
    if tens is not None:
        yield *tens, "0", [tens]


_WORD = re.compile(r"[a-z0-9]+")


def _zeros(word: str, before: str, after: list[re.Match]) -> str:
    """The digits "hundred" or "thousand" stands for, by what is said around it: a one after
    "a" ("a hundred"); then no noughts before tens or teens ("one hundred twenty-three" is 123),
    one fewer before "and" and a digit ("one hundred and three" is 103), all of them else ("nine
    hundred" is 900, "seven hundred nine hundred" 700 900, as a phone number is said)."""
    one = "1" if before == "a" else ""
    following = [m.group() for m in after[:2]]
    joined = bool(following) and following[0] == "and"
    if joined:
        following = following[1:]
    if following and (following[0] in TENS or following[0] in TEENS):
        return one + ZEROS[word][:-2]
    if joined and following and following[0] in DIGIT_WORDS:
        return one + ZEROS[word][:-1]
    return one + ZEROS[word]


def runs(text: str) -> list[Run]:
    """Runs of digits in ``text``, joined across anything but letters."""
    found: list[Run] = []
    current: list[tuple[int, int, str, list[tuple[int, int]]]] = []
    last_end = 0
    folded_letters = re.compile(r"[^\W\d_]", re.UNICODE)

    def close():
        if current and any(_has_digit(text[s:e]) or _names_digit(text[s:e]) for s, e, _, _ in current):
            digits, spans, owners = "", [], []
            for n, (_, _, d, s) in enumerate(current):
                digits += d
                spans += s
                owners += [n] * len(d)
            found.append(Run(digits, tuple(spans), tuple(owners), tuple((s, e) for s, e, _, _ in current)))

    for start, end, digits, spans in _numeric_words(text):
        gap = text[last_end:start]
        if current and any(folded_letters.match(ch) and not normalise.is_invisible(ch) for ch in gap):
            close()
            current = []
        current.append((start, end, digits, spans))
        last_end = end
    close()
    return found


def search(text: str, number: str, text_runs: list[Run] | None = None) -> Iterator[tuple[int, int]]:
    """Original spans where the national significant number ``number`` is written in ``text``.

    The span covers the numeric words the digits came from, with a country code or trunk
    prefix written just before them and a leading "+". The number may also be written in up to
    ``MAX_SPLIT_RUNS`` runs of digits with words between them ("07700 then 900123",
    "ring 07700 … the rest is 900123"): the span then covers them all. ``text_runs``:
    ``runs(text)``, when the caller searches the same text for several numbers.
    """
    text_runs = runs(text) if text_runs is None else text_runs
    for run in text_runs:
        yield from _found_in(text, run, number)
    for run, boundary, first_words in _split(text_runs, number):
        # Only matches whose digits come from two runs or more (the others were found above),
        # marked from their first digit's word (or a prefix before it in the same run) to their
        # last digit's.
        at = run.digits.find(number)
        while at != -1:
            if at < boundary < at + len(number):
                own_run = max(w for w in first_words if w <= run.word_index[at])
                yield _span(text, run, at, len(number), own_run)
            at = run.digits.find(number, at + 1)


# At most this many runs of digits, with words between them, are read as one number.
MAX_SPLIT_RUNS = 6


def _split(text_runs: list[Run], number: str) -> Iterator[tuple[Run, int, list[int]]]:
    """Each sequence of two to ``MAX_SPLIT_RUNS`` neighbouring runs whose digits together hold
    ``number``, joined into one run; with the index of the joined digits where the second run's
    begin, and the index of each joined run's first word. Runs are joined as they come, and again
    leaving out runs of one digit ("… twenty three, sorry: 23": a stray digit does not hide it)."""
    long_runs = [run for run in text_runs if len(run.digits) > 1]
    for runs_in_order in (text_runs, long_runs) if len(long_runs) < len(text_runs) else (text_runs,):
        for i, first in enumerate(runs_in_order):
            joined, first_words = first, [0]
            for other in runs_in_order[i + 1 : i + MAX_SPLIT_RUNS]:
                first_words.append(len(joined.word_spans))
                joined = _joined(joined, other)
                if number in joined.digits:
                    yield joined, len(first.digits), first_words
                    break


def _joined(first: Run, second: Run) -> Run:
    words = len(first.word_spans)
    return Run(
        first.digits + second.digits,
        first.spans + second.spans,
        first.word_index + tuple(n + words for n in second.word_index),
        first.word_spans + second.word_spans,
    )


def _found_in(text: str, run: Run, number: str) -> Iterator[tuple[int, int]]:
    """Original spans of ``number`` in ``run`` (see ``search``)."""
    at = run.digits.find(number)
    while at != -1:
        yield _span(text, run, at, len(number))
        at = run.digits.find(number, at + 1)


def _span(text: str, run: Run, at: int, length: int, lowest_word: int = 0) -> tuple[int, int]:
    """The original span of ``run.digits[at : at + length]``: from the word of its first digit,
    widened to a country code or trunk prefix in the words before it (at most
    ``MAX_PREFIX_DIGITS`` digits, from word ``lowest_word`` on) and a "+" just before, to the
    word of its last digit."""
    first, last = run.word_index[at], run.word_index[at + length - 1]
    before = at - run.word_index.index(first)  # digits of the first word before the match
    while first > lowest_word and before + _word_length(run, first - 1) <= MAX_PREFIX_DIGITS:
        before += _word_length(run, first - 1)
        first -= 1
    start, end = run.word_spans[first][0], run.word_spans[last][1]
    if start > 0 and text[start - 1] in "+＋":
        start -= 1
    return start, end


def _names_digit(word: str) -> bool:
    return normalise.fold(word).text in DIGIT_WORDS


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in normalise.fold(word).text)


def _word_length(run: Run, index: int) -> int:
    return sum(1 for owner in run.word_index if owner == index)


def _digit(ch: str) -> str:
    reading = normalise.visual(ch)
    return reading if not ch.isascii() and len(reading) == 1 and reading.isdigit() else ch


def national_number(raw: str, region: str) -> str | None:
    """The national significant number of a phone number as written, or None when it has
    fewer than ``MIN_PHONE_DIGITS`` digits."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
        national = str(parsed.national_number)
    except phonenumbers.NumberParseException:
        national = digits.lstrip("0")
    return national if len(national) >= MIN_PHONE_DIGITS else digits.lstrip("0") or None


def numbers_in(text: str, region: str) -> Iterator[tuple[str, int, int]]:
    """(national significant number, start, end) of each phone number written in ``text``.

    For reading what she wrote (not for checking): the phonenumbers matcher, then runs of
    digits it passes over (odd spacing, no region prefix); dates are not numbers.
    """
    # Digits of other scripts read as ASCII digits, one for one, so that offsets stay.
    plain = text if text.isascii() else "".join(_digit(ch) for ch in text)
    if not any(map(str.isdigit, plain)):
        # No number is written without a digit (the matcher starts at one); most fields have none.
        return
    seen: list[tuple[int, int]] = []
    for match in phonenumbers.PhoneNumberMatcher(plain, region, leniency=phonenumbers.Leniency.POSSIBLE):
        national = national_number(match.raw_string, region)
        seen.append((match.start, match.end))
        if national and not _DATE.fullmatch(match.raw_string.strip()):
            yield national, match.start, match.end
    for match in _RUN.finditer(plain):
        if any(s <= match.start() < e for s, e in seen) or _DATE.fullmatch(match.group()):
            continue
        national = national_number(match.group(), region)
        if national:
            yield national, match.start(), match.end()
