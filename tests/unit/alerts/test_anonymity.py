"""The anonymity check on its own: what identifies the reporter blocks, what describes him does not.

Proves that a draft repeating the reporter's name (in another case and without its accents), her
phone number written another way, her email, her street (with or without the house number, with
"Rd" for "Road"), the exact date and the exact time in several spellings is blocked, with the
offending words located for highlighting; that the perpetrator's own phone number, email and name
never block; that a number the reporter wrote in "what happened" blocks unless it is listed as his;
and that a clean draft passes.
"""

from __future__ import annotations

import pytest

from alerts.authoring import anonymity

IDENTITY = {
    "date": "2026-11-21",
    "time": "23:15",
    "place": "outside 14 Mill Road",
    "name": "Zoë Marlowe",
    "contact": "text 07700 900123 or zoe.m@example.org, I live at 3 Beech Grove",
}
PERPETRATOR = {
    "name_used": "Gaz",
    "phone_numbers": ["07700 900999"],
    "emails": ["gaz@example.net"],
    "vehicle": {"registration": "AB12 CDE"},
}


def protected(own_text=("He took my phone.",)):
    return anonymity.protected_from([IDENTITY], list(own_text), [PERPETRATOR], "GB")


def hits(body: str, title: str = "Warning", own_text=("He took my phone.",)):
    draft = {"title": title, "body": body}
    found = anonymity.check(draft, protected(own_text), "GB")
    return [(h.kind, h.text(draft)) for h in found]


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        ("He attacked ZOE near the park.", "name", "ZOE"),
        ("Ask marlowe about it.", "name", "marlowe"),
        ("Call +44 7700 900123 for more.", "phone", "+44 7700 900123"),
        ("Call 07700900123.", "phone", "07700900123"),
        ("Email ZOE.M@EXAMPLE.ORG", "email", "ZOE.M@EXAMPLE.ORG"),
        ("It was on Mill Rd late.", "street", "Mill Rd"),
        ("It was at 14 Mill Road.", "street", "14 Mill Road"),
        ("He followed her to Beech Grove.", "street", "Beech Grove"),
        ("It happened on 21/11/2026.", "date", "21/11/2026"),
        ("It happened on 21 Nov.", "date", "21 Nov"),
        ("It happened on 2026-11-21.", "date", "2026-11-21"),
        ("It happened on November 21st, 2026.", "date", "November 21st, 2026"),
        ("It happened at 23:15.", "time", "23:15"),
        ("It happened at 11.15pm.", "time", "11.15pm"),
        ("It happened at 11:15 p.m. that night.", "time", "11:15 p.m."),
    ],
)
def test_identifying_details_block_and_are_located(body, kind, words):
    assert (kind, words) in hits(body)


def test_title_is_checked_too():
    assert ("name", "Zoe") in hits("Nothing here.", title="Zoe attacked")


def test_the_perpetrators_own_details_do_not_block():
    body = "He calls himself Gaz, texts from 07700 900999 (+447700900999), emails gaz@example.net, drives AB12 CDE."
    assert hits(body) == []


def test_a_number_in_her_own_words_blocks_unless_it_is_his():
    own = ["My other phone is 07700 900555. He rang from 07700 900999."]
    assert ("phone", "07700 900555") in hits("Number 07700 900555", own_text=own)
    assert hits("He rang from 07700 900999", own_text=own) == []


def test_times_and_amounts_in_her_words_are_not_phone_numbers():
    own = ["He said he'd pay 1500 but gave me 20. It was about 2300, near number 142."]
    assert hits("Promised 1500, paid 20. Around 2300, near 142 on the ring road.", own_text=own) == []
    # A number long enough to dial still blocks, however it is spaced.
    own = ["Ring me on 0113 496 0999 if he comes back."]
    assert ("phone", "0113 496 0999") in hits("Call 0113 496 0999.", own_text=own)


def test_words_are_matched_whole():
    # Her name inside a longer word is not her name; "Marlowes" (a possessive without its
    # apostrophe) is, and blocks.
    assert hits("An annual zoetrope show, marlowesque prose.") == []
    assert ("name", "Marlowes") in hits("An annual warning about a man called Marlowes.")


def test_a_clean_draft_passes():
    body = "Man in his 40s, grey Ford Focus, picked up a worker in the Holbeck area late evening and refused to pay."
    assert hits(body, title="Refused to pay – Holbeck") == []


def test_other_dates_and_times_pass():
    assert hits("Seen again on 22 Nov at 10pm and on 21 Dec.") == []


def test_segments_cut_the_text_for_highlighting():
    draft = {"title": "", "body": "Zoe on Mill Rd <b>"}
    found = anonymity.check(draft, protected(), "GB")
    pieces = anonymity.segments(draft["body"], found, "body")
    assert pieces == [("Zoe", True), (" on ", False), ("Mill Rd", True), (" <b>", False)]
    assert "".join(p for p, _ in pieces) == draft["body"]


def test_a_name_field_without_a_name_blocks_nothing():
    found = anonymity.protected_from([{"name": "No name, prefer not to say"}], [], [], "GB")
    assert anonymity.check({"title": "", "body": "No condom, would not pay, gave a false name."}, found) == []
