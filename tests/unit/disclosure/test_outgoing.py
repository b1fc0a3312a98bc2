"""The one door out (``disclosure.guard``) and what police see below "full report"
(``disclosure.withhold``), and the names of other people in her account (``people``).

Proves that the guard blocks every text that repeats something of hers and says, for each
passage, which words, where and why; that names of other people from her own words are flagged
in any text that repeats them, however inflected, and need a confirmation covering exactly them;
that ordinary capitalised words (sentence starts, months, days, areas, his car) are not flagged;
and that ``withhold`` replaces her passages and her locating fields and nothing else.
"""

from __future__ import annotations

import pytest

from ugly_mugs import disclosure
from ugly_mugs.disclosure import people

HER_WORDS = (
    "He followed me home to my flat at 9 Fakely Close, LS6 2AB. My sister Kim Testperson saw it. "
    "In Holbeck on Monday in November he drove a Toyota. Kasia Nowak mi pomogła. Мария Иванова видя."
)
SECTIONS = {
    "identity": [{"name": "Zoë Marlowe", "contact": "07700 900123", "place": "9 Fakely Close, LS6 2AB"}],
    "incident": [{"what_happened": HER_WORDS}],
    "perpetrator": [{"name_used": "Gaz", "phone_numbers": ["07700 900999"], "vehicle": {"make": "Toyota"}}],
}
PROFILE = disclosure.profile_from(SECTIONS)
KNOWN = ("Holbeck", "Toyota")


def judge(text: str) -> disclosure.Verdict:
    return disclosure.guard({"Text": text}, PROFILE, [HER_WORDS], KNOWN)


def test_a_blocked_text_names_each_phrase_where_it_is_and_why():
    verdict = judge("Zoe was followed to 9 Fakely Close; ring 07700 900123.")
    with pytest.raises(disclosure.Blocked) as raised:
        verdict.require()
    message = str(raised.value)
    assert "“Zoe” in Text is a form of the reporter's name." in message
    assert "“9 Fakely Close” in Text names the reporter's street." in message
    assert "“07700 900123” in Text is the reporter's phone number." in message
    assert [f.kind for f in raised.value.found] == ["name", "street", "phone"]


def test_his_details_pass_the_door():
    verdict = judge("Gaz, 07700 900999, drives a silver Toyota around Holbeck.")
    assert verdict.blocked == [] and verdict.flagged == []
    verdict.require()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kim saw it happen.", "Kim"),
        ("Ask KIM about him.", "Kim"),
        ("Testperson's car was there.", "Testperson"),
        ("Powiedz Kasi.", "Kasia"),  # Polish dative
        ("Pomogła mu Kasia z Nowakiem.", "Nowak"),  # Polish instrumental
        ("Mariya saw it.", "Мария"),  # transliterated
        ("Иванова видя.", "Иванова"),
    ],
)
def test_other_peoples_names_are_flagged_however_written(text, name):
    verdict = judge(text)
    assert verdict.blocked == []
    assert name in verdict.names, verdict.flagged
    with pytest.raises(disclosure.NamesToConfirm) as raised:
        verdict.require()
    assert "from the reporter's own account" in str(raised.value)
    verdict.require(confirmed=verdict.names)


def test_a_confirmation_covers_only_the_names_it_lists():
    verdict = judge("Kim and Testperson saw it.")
    assert verdict.names == ("Kim", "Testperson")
    with pytest.raises(disclosure.NamesToConfirm):
        verdict.require(confirmed=["Kim"])


@pytest.mark.parametrize(
    "text",
    [
        "In the evening he came back.",
        "On Monday in November, around Holbeck.",
        "He drove a Toyota; My advice: avoid him.",
        "Marek i Ana to nie są osoby z relacji.",
    ],
)
def test_ordinary_capitalised_words_are_not_flagged(text):
    assert judge(text).flagged == []


def test_candidates_read_names_inside_sentences_and_in_pairs():
    found = people.candidates(["My sister Kim Testperson saw it. In Holbeck he said Monday. Ana Lopes came."])
    assert found == ["Kim", "Testperson", "Holbeck", "Ana", "Lopes"]
    assert people.candidates(["In Holbeck he said Monday."], known=["Holbeck"]) == []


def test_withhold_replaces_her_passages_and_her_locating_fields():
    content = {
        "what_happened": "He rang 07700 900123 and Zoe answered; he rang from 07700 900999.",
        "where_taken": "my flat",
        "phone_numbers": ["07700 900999", "07700 900123"],
        "vehicle": {"make": "Toyota", "colour": "near LS6 2AB"},
        "part_of_day": "night",
    }
    shown, changed = disclosure.withhold(content, PROFILE)
    assert shown["what_happened"] == "He rang [withheld] and [withheld] answered; he rang from 07700 900999."
    assert shown["where_taken"] == "[withheld]"
    assert shown["phone_numbers"] == ["07700 900999", "[withheld]"]
    assert shown["vehicle"] == {"make": "Toyota", "colour": "near [withheld]"}
    assert shown["part_of_day"] == "night"
    assert sorted(changed) == ["phone_numbers", "vehicle", "what_happened", "where_taken"]


def test_a_number_split_over_two_lines_of_a_list_is_withheld_in_both():
    shown, changed = disclosure.withhold(
        {"phone_numbers": ["seen with 07700", "900123 there", "07700 900999"]}, PROFILE
    )
    assert shown["phone_numbers"] == ["seen with [withheld]", "[withheld] there", "07700 900999"]
    assert changed == ["phone_numbers"]
