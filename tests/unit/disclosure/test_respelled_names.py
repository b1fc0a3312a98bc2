"""Her name as another alphabet or orthography spells it (``words.fold_spelling``, ``sounded``).

The first table: spellings of her name in the scheme's languages that must block (P3), with
digits for letters on top, Polish ó, ą and ę as Bulgarian writes their sounds, Romanian ț as ц,
ch before a consonant as k, a final -ie as -и, and the common spelling of her name in another
language written as a name ("Silvia" for Sylwia). The second: ordinary words of the five
languages, written as ordinary words are (in small letters), that fold to a form of her name and
must pass.

Not read, and left so: Polish ch as х before r ("Chrystowa" for Христова: ch before a consonant
is read as k, as in Christina), ch before a vowel as k or ш (Mihaela / Michaela / Mikaela,
Charlotte / Шарлот: it is read as ч, as Polish cz), names adapted rather than spelled (София for
Zofia), Portuguese ce/ci as се/си (Консейсао: Polish ce is це), and a respelling in small
letters that is commoner than her name by more than ``words.MORE_COMMON_THAN_HER_NAME`` (ioana
for Joanna: ordinary words win there, "kasa" is not Kasia's). Her name itself always
blocks, also where it is an ordinary word ("brown hair" when she is Brown, "1 maja" when she is
Maja): a rewording costs less than her name.
"""

from __future__ import annotations

import pytest

from ugly_mugs import disclosure


def profile(name: str):
    return disclosure.profile_from(
        {"identity": [{"name": name}], "incident": [], "perpetrator": [{"name_used": "Gaz"}]}, "GB"
    )


# (her name, a spelling of it that must block)
LEAKS = [
    # Digits for letters on top of the respelling.
    ("Jadwiga Kowalska", "K0valska"),
    ("Jadwiga Kowalska", "Kovalsk4"),
    # Polish ó is Bulgarian у (Wójcik → Вуйчик).
    ("Katarzyna Wójcik", "Вуйчик"),
    ("Katarzyna Wójcik", "Wujcik"),
    # Polish ą/ę before b/p read as om/em (Dąbrowska → Домбровска, Węgrzyn → Венгжин).
    ("Anna Dąbrowska", "Домбровска"),
    ("Anna Dąbrowska", "Dombrowska"),
    ("Ewa Węgrzyn", "Венгжин"),
    # Romanian ț is ц / ts.
    ("Ioana Țurcanu", "Цуркану"),
    ("Ioana Țurcanu", "Tsurkanu"),
    # ch before a consonant is k (Christina → Кристина / Kristina).
    ("Christina Hughes", "Кристина"),
    ("Christina Hughes", "Kristina"),
    # Юлия is Julia in Polish, English, Portuguese.
    ("Юлия Петрова", "Julia"),
    # Final -ie / -и (Stephanie → Стефани / Stefani).
    ("Stephanie Wendt", "Стефани"),
    ("Stephanie Wendt", "Stefani"),
    # Her name's common spelling in another language, written as a name, or in small letters.
    ("Sylwia Nowak", "silvia"),
    ("Alexandra Dumitru", "aleksandra"),
    ("Cristina Stan", "kristina"),
    ("Христина Тодорова", "kristina"),
    ("Stephanie Wright", "stefani"),
    ("Sylwia Nowak", "Silvia"),
    ("Sylwia Nowak", "Sylvia"),
    ("Patrycja Nowak", "Patricia"),
]


@pytest.mark.parametrize(("name", "written"), LEAKS, ids=[w for _, w in LEAKS])
def test_her_name_respelled_blocks(name, written):
    assert disclosure.check(f"seen with {written} again", profile(name)), (name, written)


# (her name, an ordinary alert sentence that must pass: the word it blocks on in a comment)
ORDINARY = [
    ("Mariya Petrova", "He said he wanted to marry me, then hit me."),  # marry ~ "mari"
    ("Kasia Nowak", "Nie zapłacił i zabrał mi kasę."),  # kasę (the cash) ~ "kasie"
    ("Anna Case", "Zabrał całą kasa z torebki."),  # kasa ~ "casa"
    ("Ioana Stan", "Ако го видиш, ще станеш жертва."),  # станеш (you become)
    ("Jade Smith", "Каза, че ядем заедно, после ме удари."),  # ядем (we eat)
    ("Ana Costa", "Счупи ми кости на ръката."),  # кости (bones)
    ("Svetla Ivanova", "Stał w świetle latarni."),  # świetle (in the light)
    ("Maria Rusu", "Nie rusza się z samochodu."),  # rusza (moves)
    ("Petya Ivanova", "A lovit-o lângă pieței centrale."),  # pieței (of the market)
    ("Chase Smith", "Той чака с часове пред хотела."),  # часове (hours)
    # Another form of her name (a case ending) that is an ordinary word written as one.
    ("Ana Radu", "Are în jur de patruzeci de ani."),  # ani: years, and Ana's genitive
    ("Anna Nowak", "Ma około 40 lat, nie powiedział ani słowa."),  # ani: not a
    ("Vera Silva", "He had a fake Rolex, it was very dark."),  # very, as Vera's veri
    ("Kasia Nowak", "Nie miał kasy."),  # kasy: cash
]


@pytest.mark.parametrize(("name", "text"), ORDINARY, ids=[n for n, _ in ORDINARY])
def test_ordinary_words_do_not_block_as_her_name(name, text):
    assert disclosure.check(text, profile(name)) == [], (name, text)
