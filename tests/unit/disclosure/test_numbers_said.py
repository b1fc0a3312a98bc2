"""Her phone number said in English groups of hundreds, tens and teens (``disclosure.numbers``).

Not read, and left so: numbers said in Polish, Romanian or Portuguese hundreds and tens
("sześćset jeden", "șapte sute douăzeci și unu"), and number words run together ("ninehundred");
single digits said in any of the five languages are read.
"""

from __future__ import annotations

import pytest

from ugly_mugs import disclosure


def profile(contact: str, region: str):
    return disclosure.profile_from(
        {
            "identity": [{"name": "", "contact": contact}],
            "incident": [{"what_happened": "He hit me."}],
            "perpetrator": [{"name_used": "Gaz", "phone_numbers": ["07700 900999"]}],
        },
        region,
    )


# (her number, region, the alert saying it: must block)
SAID = [
    # "hundred" inside a number said in full: 123 is not 10023.
    ("07700 900123", "GB", "oh seven seven hundred nine hundred one hundred twenty three"),
    ("07700 900123", "GB", "oh seven seven hundred, nine oh oh, a hundred and twenty three"),
]


@pytest.mark.parametrize(("contact", "region", "alert"), SAID, ids=[a[:40] for _, _, a in SAID])
def test_her_number_said_in_groups_blocks(contact, region, alert):
    assert disclosure.check(alert, profile(contact, region)), alert
