"""The disclosure guard on generated identities, disguised by every kind at once (Hypothesis).

Names are drawn from the letters of the scheme's five languages (with ł ø đ ı æ ß and
Cyrillic), phone numbers and e-mail addresses at random; each value is then disguised by a
random mix of the kinds the guard must see through — case, transliteration to ASCII,
Unicode confusables from the same table the guard uses, invisible characters, possessives,
digit look-alikes, fullwidth digits and any spacing or line breaks inside numbers, spelled-
out @ and dots, plus-tags — and set in a sentence. The guard must block it, with at least one
hit covering the disguised value, and every hit must lie inside it: a span that maps to the
original text, never into the words around it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.support.disguises import FILLER, disguised_email, disguised_name, disguised_phone, names, split_name
from ugly_mugs import disclosure
from ugly_mugs.disclosure import disguise, normalise


def _assert_caught(sentence: str, value: str, profile, kinds: set[str]):
    start = sentence.index(value)
    end = start + len(value)
    hits = disclosure.check(sentence, profile)
    assert any(h.start <= start + 1 and h.end >= end - 3 and h.kind in kinds for h in hits), (sentence, hits)
    for hit in hits:
        assert start <= hit.start < hit.end <= end, (sentence, hit)
        assert sentence[hit.start : hit.end].strip(), hit
        assert normalise.fold(sentence[hit.start : hit.end]).text.strip(), hit


def _sentence(value: str) -> str:
    return f"{FILLER[0]}: {FILLER[1]} {FILLER[2]} {FILLER[3]} {value} {FILLER[4]} {FILLER[5]}."


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data(), first=names(), last=names())
def test_generated_names_are_found_however_disguised(data, first, last):
    profile = disclosure.build([{"name": f"{first} {last}"}], [], [{"name_used": "Gaz"}])
    target = data.draw(st.sampled_from([first, last]))
    value = data.draw(disguised_name(target))
    _assert_caught(_sentence(value), value, profile, {"name"})


@SETTINGS
@given(data=st.data(), first=names(), last=names())
def test_generated_names_are_found_however_split(data, first, last):
    """Spaced out, strung on a sign, broken by markup or an unusual space, with digits for
    letters or after it (``disguise``, ``words``), or her two names run together."""
    profile = disclosure.build([{"name": f"{first} {last}"}], [], [{"name_used": "Gaz"}])
    target = data.draw(st.sampled_from([first, last]))
    value = data.draw(st.one_of(split_name(target), st.sampled_from([first + last, last.lower() + first.lower()])))
    _assert_caught(_sentence(value), value, profile, {"name"})


@given(text=st.text(st.sampled_from("ab \t\n.-_*~`\u00a0\u2009(),"), max_size=40))
def test_a_mended_reading_keeps_each_character_and_where_it_was(text):
    reading = disguise.undisguised(text)
    if reading is None:
        return
    assert len(reading.text) < len(text)
    assert list(reading.origin) == sorted(set(reading.origin))
    assert all(text[i] == ch for i, ch in zip(reading.origin, reading.text, strict=True))
    # Only spaces and the signs that join pieces are left out, never a letter.
    assert all(text[i] in " \t\u00a0\u2009.-_*~`," for i in set(range(len(text))) - set(reading.origin))


@SETTINGS
@given(data=st.data(), number=st.integers(0, 999_999))
def test_generated_phone_numbers_are_found_however_written(data, number):
    assume(number != 1)  # his number below
    digits = f"7700{number:06d}"
    profile = disclosure.build([{"contact": f"0{digits}"}], [], [{"phone_numbers": ["07700 000001"]}])
    value = data.draw(disguised_phone(digits))
    _assert_caught(_sentence(value), value, profile, {"phone"})
    assert disclosure.check(_sentence("+44 7700 000001"), profile) == []


DIGIT_NAMES = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "pl": ["zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem", "dziewięć"],
    "ro": ["zero", "unu", "doi", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă"],
    "bg": ["нула", "едно", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет"],
    "pt": ["zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"],
}


@SETTINGS
@given(data=st.data(), number=st.integers(2, 999_999))
def test_generated_phone_numbers_are_found_in_words_or_split_by_words(data, number):
    """Her number cut into two to four groups of two digits or more, with words between them,
    each group written in digits or as words of one of the five languages."""
    digits = f"07700{number:06d}"
    profile = disclosure.build([{"contact": digits}], [], [{"phone_numbers": ["07700 000001"]}])
    cuts = sorted(data.draw(st.sets(st.integers(2, len(digits) - 2), min_size=1, max_size=3)))
    assume(all(b - a >= 2 for a, b in zip(cuts, cuts[1:], strict=False)))
    names = DIGIT_NAMES[data.draw(st.sampled_from(sorted(DIGIT_NAMES)))]
    groups = []
    for start, end in zip([0, *cuts], [*cuts, len(digits)], strict=True):
        group = digits[start:end]
        groups.append(" ".join(names[int(d)] for d in group) if data.draw(st.booleans()) else group)
    between = data.draw(
        st.lists(st.sampled_from(["then", "and", "x", "—", "later:", "oraz", "și"]), min_size=1, max_size=2)
    )
    value = f" {' '.join(between)} ".join(groups)
    _assert_caught(_sentence(value), value, profile, {"phone"})


@SETTINGS
@given(
    data=st.data(),
    local=st.from_regex(r"[a-z]{3,8}\.[a-z]{2,8}", fullmatch=True),
    domain=st.sampled_from(["example.org", "poczta.pl", "abv.bg", "gmail.com"]),
)
def test_generated_email_addresses_are_found_however_spelled(data, local, domain):
    assume(not any(part in FILLER for part in local.split(".")))
    profile = disclosure.build([{"contact": f"{local}@{domain}"}], [], [{"emails": ["gaz.lad@example.net"]}])
    value = data.draw(disguised_email(local, domain))
    _assert_caught(_sentence(value), value, profile, {"email", "handle"})


PLATE = st.from_regex(r"[A-Z]{2}[0-9]{2} ?[A-Z]{3}", fullmatch=True)


@SETTINGS
@given(
    data=st.data(),
    first=names(),
    hers=st.integers(100_000, 499_999),
    his=st.integers(500_000, 999_999),
    plate=PLATE,
    his_email=st.from_regex(r"[a-z]{4,8}\.[a-z]{3,8}", fullmatch=True),
    username=st.from_regex(r"[a-z]{4,8}_[a-z0-9]{2,4}", fullmatch=True),
    used=names(),
)
def test_his_own_details_never_block(data, first, hers, his, plate, his_email, username, used):
    """No false alarm on his details, however they are written, beside a reporter made up too."""
    assume(normalise.fold(used).text != normalise.fold(first).text)
    profile = disclosure.build(
        [{"name": first, "contact": f"07700 {hers}"}],
        [f"He rang me from 07700 {his}."],
        [
            {
                "name_used": used,
                "phone_numbers": [f"07700 {his}"],
                "emails": [f"{his_email}@example.net"],
                "usernames": [username],
                "vehicle": {"registration": plate},
            }
        ],
    )
    written = [
        data.draw(disguised_phone(f"7700{his}")),
        plate,
        plate.replace(" ", "").lower(),
        f"{his_email}@example.net",
        username,
        used,
    ]
    sentence = "He calls himself " + ", ".join(written) + "."
    assert disclosure.check(sentence, profile) == []
    verdict = disclosure.guard({"the text": sentence}, profile, [f"He rang me from 07700 {his}."])
    assert verdict.blocked == [] and verdict.flagged == []


# Two words of her name that differ only by a doubled letter, in each of the five alphabets:
# each is her name, and finding one must not hide the other.
DOUBLED = [
    ("Бааба", "Бабаа"),
    ("Ссара", "Сара"),
    ("Anna", "Ana"),
    ("Łuuka", "Łukaa"),
    ("Mării", "Mări"),
    ("Joãão", "João"),
]


def test_words_of_her_name_alike_but_for_a_doubled_letter_are_each_found():
    for first, last in DOUBLED:
        profile = disclosure.build([{"name": f"{first} {last}"}], [], [{"name_used": "Gaz"}])
        for word in (first, last):
            _assert_caught(_sentence(word), word, profile, {"name"})


@SETTINGS
@given(raw=st.text(min_size=1, max_size=6))
def test_a_handle_sign_is_read_as_the_whole_text_would_be(raw):
    # her_handles reads the first visible character on its own; it must agree with reading
    # the whole word the way the rest of the guard does.
    from ugly_mugs.disclosure.contacts import _reads_as_at

    assert _reads_as_at(raw) == normalise.fold(raw).text.startswith("@")
    for prefix in ("\u200b", "\u0301", "\ufeff\u034f"):
        assert _reads_as_at(prefix + "＠" + raw) is True


@SETTINGS
@given(
    text=st.one_of(
        st.text(st.characters(max_codepoint=127), max_size=40),
        st.text(st.sampled_from("rnRNmIlO01|'` .-_@xY"), max_size=40),
    )
)
def test_ascii_text_is_cut_into_the_words_any_text_is(text):
    # ASCII text takes a faster path (one pattern); it must give exactly the words, spans and
    # readings the character-by-character reader gives (apostrophes, "rn" read as "m", I/l/|, 0/O).
    from ugly_mugs.disclosure import words

    assert words._ascii_words(text) == words._words(text)


@SETTINGS
@given(text=st.text(st.sampled_from("abcdeyyzzssllmmnnrrttkk019-'. ÿłøșщ"), max_size=30))
def test_loosening_reads_y_as_i_and_a_doubled_consonant_once(text):
    from ugly_mugs.disclosure import words

    expected: list[str] = []
    for ch in text.replace("y", "i"):
        if not (expected and ch == expected[-1] and ch.isalpha() and ch not in "aeiou"):
            expected.append(ch)
    assert words.loosen(text) == "".join(expected)


@SETTINGS
@given(text=st.text(st.sampled_from("oOlLiI|Ззб ./-:\u200b"), max_size=30), digits=st.text("0123456789", max_size=3))
def test_look_alike_letters_are_read_as_digits_only_beside_a_digit(text, digits):
    # fold_numbers returns a text without digits as fold reads it (its short cut); reading its
    # numbers in full must agree: look-alikes become digits only in or beside a real digit.
    for written in (text, f"{text}{digits}", f"{digits} {text}"):
        folded = normalise.fold(written)
        read = normalise._digits_read(folded)
        if not any(ch.isdigit() for ch in folded.text):
            assert read == folded
        assert normalise.fold_numbers(written) == read
