"""P2 and P3: where she says she lives is hers, however she phrases it and whichever field she
types it into (``disclosure.home``).

Each account below says where she lives — in the first person or, filed by an outreach worker,
the third, in any tense, with the address before or after the phrase, in the five languages, as
phones write apostrophes and spaces — and the street then blocks an alert and is withheld from
the unit below "full report". Where it happened, said after a phrase that does not give her
home, is not hers: it must still reach police and the warning.
"""

from __future__ import annotations

import pytest

from tests.promises.test_p2_identity_level import file, stored, unit_text
from ugly_mugs import disclosure


def profile(account: str, **perpetrator):
    return disclosure.profile_from(
        {
            "identity": [{"name": ""}],
            "incident": [{"what_happened": account}],
            "perpetrator": [{"name_used": "Gaz", **perpetrator}],
        },
        "GB",
    )


# (her account, an alert text that names her home and must block)
HOME_LEAKS = [
    # Phones write ' as ’ (smart punctuation); pasted text has no-break spaces.
    ("I’m living at 14 Mill Road. He hit me on Kirkstall Road.", "seen on Mill Road"),
    ("I’m staying at 14 Mill Road, he knows it.", "seen on Mill Road"),
    ("Im living at 14 Mill Road", "seen on Mill Road"),
    ("I\u00a0live at 14 Mill Road", "seen on Mill Road"),
    # Address before the cue.
    ("14 Mill Road is where I live. He hit me on Kirkstall Road.", "seen on Mill Road"),
    # Tense and person.
    ("I lived at 14 Mill Road until he found me", "seen on Mill Road"),
    ("We live at 14 Mill Road, me and my sister", "seen on Mill Road"),
    ("I've lived on Mill Road for years", "seen on Mill Road"),
    ("He waited outside mine on Mill Road", "seen on Mill Road"),
    ("I rent a room on Mill Road", "seen on Mill Road"),
    # "home" alone, and her postcode given as hers.
    ("He followed me home to 14 Mill Road.", "seen on Mill Road"),
    ("He hit me. My postcode is LS6 2AB.", "near LS6 2AB"),
    # Polish: feminine past, plural.
    ("Mieszkałam na ul. Długiej 5, on tam przyszedł.", "widziany na ulicy Długiej"),
    ("Mieszkamy na ul. Długiej 5.", "widziany na ulicy Długiej"),
    # Bulgarian plural, "my home".
    ("Живеем на ул. Шипка 5.", "видян на ул. Шипка"),
    ("Моят дом е на ул. Шипка 5.", "видян на ул. Шипка"),
    # Romanian "my home (domicile)".
    ("Domiciliul meu este pe Strada Florilor 12.", "văzut pe Strada Florilor"),
    # Portuguese: "resido", past, plural.
    ("Resido na Rua das Flores 10.", "visto na Rua das Flores"),
    ("Eu morava na Rua das Flores 10.", "visto na Rua das Flores"),
    ("Moramos na Rua das Flores 10.", "visto na Rua das Flores"),
    # A line break after the preposition, words between the verb and it, other subjects and verbs.
    ("I live at\n14 Mill Road", "seen on Mill Road"),
    ("I live with my mum at 14 Mill Road", "seen on Mill Road"),
    ("I live alone on Mill Road", "seen on Mill Road"),
    ("I also live at 14 Mill Road", "seen on Mill Road"),
    ("me and my sister live at 14 Mill Road", "seen on Mill Road"),
    ("She is staying at 14 Mill Road", "seen on Mill Road"),
    ("Client lives at 14 Mill Road", "seen on Mill Road"),
    ("I reside at 14 Mill Road", "seen on Mill Road"),
    ("I live just off Mill Road", "seen on Mill Road"),
    ("My flat's on Mill Road", "seen on Mill Road"),
    # Labels, the address before "is my home", after "where I live" and a sign.
    ("Address: 14 Mill Road", "seen on Mill Road"),
    ("He hit me.\nHome: 14 Mill Road", "seen on Mill Road"),
    ("14 Mill Road is my home", "seen on Mill Road"),
    ("14 Mill Road is where I'm living", "seen on Mill Road"),
    ("He knows where I live - 14 Mill Road", "seen on Mill Road"),
    ("He knows where I live (14 Mill Road)", "seen on Mill Road"),
    ("He knows my address, 14 Mill Road", "seen on Mill Road"),
    ("He followed me back home to 14 Mill Road", "seen on Mill Road"),
    ("He came round mine on Mill Road", "seen on Mill Road"),
    # Commas inside the address.
    ("I live at flat 3, 14 Mill Road", "seen on Mill Road"),
    ("I live at 14 Mill Road, Leeds, LS6 2AB", "near LS6 2AB"),
    ("my postcode's LS6 2AB", "near LS6 2AB"),
    ("I live in Leeds, on Mill Road", "seen on Mill Road"),
    # Invisible characters and other apostrophes.
    ("I\u200blive at 14 Mill Road", "seen on Mill Road"),
    ("I\u2032m living at 14 Mill Road", "seen on Mill Road"),
    ("I\uff07m living at 14 Mill Road", "seen on Mill Road"),
]


# An outreach worker files for her and writes about her in the third person.
HOME_IN_THIRD_PERSON = [
    ("She lives at 14 Mill Road. He hit her on Kirkstall Road.", "seen on Mill Road"),
    ("He followed her back to her flat on Mill Road.", "seen on Mill Road"),
    ("Ona mieszka na ul. Długiej 5.", "widziany na ulicy Długiej"),
    ("Тя живее на ул. Шипка 5.", "видян на ул. Шипка"),
    ("Ea locuiește pe Strada Florilor 12.", "văzut pe Strada Florilor"),
    ("Ela mora na Rua das Flores 10.", "visto na Rua das Flores"),
]


@pytest.mark.parametrize(
    ("account", "alert"), HOME_LEAKS + HOME_IN_THIRD_PERSON, ids=[a[:40] for a, _ in HOME_LEAKS + HOME_IN_THIRD_PERSON]
)
def test_her_home_in_her_words_or_told_by_an_outreach_worker_blocks_an_alert(account, alert):
    assert disclosure.check(alert, profile(account)), (account, alert)


# (her account, where it happened: must pass): a clause ends at a comma, a dash or a
# conjunction, and "my home address", "back to mine" or "I stay" alone do not give her home.
NOT_HER_HOME = [
    ("I live in Leeds, he picked me up on Kirkstall Road", "seen on Kirkstall Road"),
    ("I stay away from Kirkstall Road now", "seen on Kirkstall Road"),
    ("He asked for my home address and then drove me to Kirkstall Road", "seen on Kirkstall Road"),
    ("He wanted to go back to mine but I said no, so we went to Kirkstall Road", "seen on Kirkstall Road"),
    ("He took me in his car from my place to Kirkstall Road", "seen on Kirkstall Road"),
    ("I stay in hostels, he picked me up on Kirkstall Road", "seen on Kirkstall Road"),
    ("I live for my kids, this happened at LS3 1AB", "near LS3 1AB"),
    ("I live — he took me to Kirkstall Road", "seen on Kirkstall Road"),
    ("Mieszkam daleko, on mnie zabrał na ulicę Polną", "widziany na ulicy Polnej"),
    ("Moro longe, ele me levou para a Rua Augusta", "visto na Rua Augusta"),
    ("He kept asking where I live, then took me to Kirkstall Road", "seen on Kirkstall Road"),
    ("I wouldn't tell him where I live, he drove to Kirkstall Road", "seen on Kirkstall Road"),
    ("He dropped me on Kirkstall Road, not where I live", "seen on Kirkstall Road"),
    ("I stayed in his car on Kirkstall Road", "seen on Kirkstall Road"),
    ("I was staying at his flat on Kirkstall Road", "seen on Kirkstall Road"),
    ("I live in fear since he attacked me on Kirkstall Road", "seen on Kirkstall Road"),
    ("Mieszkam w Leeds, on mnie zabrał na ulicę Polną", "widziany na ulicy Polnej"),
    # Romanian "stau" / "stăteam" is standing or sitting more often than living.
    ("Stăteam la colț pe Strada Muncii", "văzut pe Strada Muncii"),
    ("Stam în mașina lui pe Strada Muncii", "văzut pe Strada Muncii"),
]
# Not told apart, and left so: a place she is staying at where it happened ("I was staying in
# a hotel on Kirkstall Road where he attacked me" protects Kirkstall Road: it locates her), and a
# place after more words in the same clause ("I live in Leeds working on Kirkstall Road").


@pytest.mark.parametrize(("account", "alert"), NOT_HER_HOME, ids=[a[:40] for a, _ in NOT_HER_HOME])
def test_where_it_happened_after_a_home_cue_is_not_hers(account, alert):
    assert disclosure.check(alert, profile(account)) == [], (account, alert)


# Her home typed into his description (perpetrator section): "whichever field she typed it into".
HOME_IN_HIS_SECTION = [
    {"about_him": "He knows where I live, 14 Quarry Street, and waits outside"},
    {"marks": "tattoo on neck; he has been to my flat on Quarry Street"},
    {"where_met": "outside my flat on Quarry Street"},
]


@pytest.mark.parametrize("perpetrator", HOME_IN_HIS_SECTION, ids=lambda p: next(iter(p)))
def test_her_home_typed_about_him_blocks_an_alert(perpetrator):
    assert disclosure.check("seen on Quarry Street", profile("He hit me.", **perpetrator))


@pytest.mark.parametrize(
    "answers",
    [
        {"what_happened": "I’m living at 14 Quarry Street, LS9 8QB. He hit me on Kirkstall Road."},
        {"what_happened": "He hit me.", "about_him": "He knows where I live, 14 Quarry Street, LS9 8QB"},
    ],
    ids=["curly-apostrophe", "in-his-description"],
)
def test_her_home_never_reaches_the_unit(client, passphrase, db_session, answers):
    filed = file(client, place="the car park by the arches", **answers)
    seen = unit_text(db_session, passphrase, stored(db_session, filed["reference"]))
    assert "Quarry" not in seen and "LS9 8QB" not in seen
