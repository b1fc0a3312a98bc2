"""Her exact date and time said in words or in other wordings (``disclosure.times``), and what is
no date or time: short month forms that are ordinary words ("3 out of 4", "się"), heights and
prices said in words ("five eleven", "one fifty"), a date inside a longer one."""

from __future__ import annotations

import pytest

from ugly_mugs import disclosure


def profile(date: str = "2026-11-21", time: str = "23:15"):
    return disclosure.profile_from(
        {
            "identity": [{"name": "", "date": date, "time": time}],
            "incident": [{"what_happened": "He hit me."}],
            "perpetrator": [{"name_used": "Gaz"}],
        },
        "GB",
    )


# (her time, alert text saying it: must block)
TIME_LEAKS = [
    ("23:30", "around half eleven"),  # British for 11:30
    ("23:30", "half 11 at night"),
    ("23:15", "twenty-three fifteen"),  # 24-hour clock said aloud
    ("23:15", "eleven-fifteen pm"),
    ("23:15", "15 mins past 11"),
    ("23:45", "quarter till 12"),
    ("23:45", "quarter til twelve"),
    ("00:00", "at midnight"),
    ("12:00", "at noon"),
]


@pytest.mark.parametrize(("time", "alert"), TIME_LEAKS, ids=[a for _, a in TIME_LEAKS])
def test_her_time_in_words_blocks(time, alert):
    assert disclosure.check(alert, profile(time=time)), (time, alert)


DATE_LEAKS = [
    ("2026-11-21", "on 21-Nov-2026"),
    ("2026-11-21", "on the twenty-first, November"),
]


@pytest.mark.parametrize(("date", "alert"), DATE_LEAKS, ids=[a for _, a in DATE_LEAKS])
def test_her_date_blocks(date, alert):
    assert disclosure.check(alert, profile(date=date)), (date, alert)


# (her date, ordinary alert text that is no date: must pass). Short month forms that are
# ordinary words (Portuguese "out", "set", "ago"; Polish "lip", "sie"; Bulgarian folded by look
# "app", "way") are read as months next to any number, in digits or words.
NOT_DATES = [
    ("2026-10-03", "He hurt 3 out of 4 girls he booked"),
    ("2026-10-01", "He asked me out one night and then hit me"),
    ("2026-10-10", "Ten out of ten dangerous"),
    ("2026-04-02", "He contacted me on the app 2 days before"),
    ("2026-05-01", "He only drives one way down the street"),
    ("2026-09-01", "He set 1 rule: no condoms"),
    ("2026-07-03", "He has a split lip 3 weeks old"),
    ("2026-08-03", "Spotkaliśmy się 3 razy w hotelu"),  # "we met 3 times": się → sie → August
]


@pytest.mark.parametrize(("date", "alert"), NOT_DATES, ids=[a for _, a in NOT_DATES])
def test_ordinary_words_next_to_a_number_are_no_date(date, alert):
    assert disclosure.check(alert, profile(date=date, time="02:00")) == [], (date, alert)


# (her time, ordinary alert text: height and prices said in words are read as hour + minutes)
NOT_TIMES = [
    ("17:11", "He is about five eleven, stocky"),  # 5 ft 11
    ("05:10", "He's five ten with a beard"),
    ("01:50", "He offered one fifty for the hour"),  # £150
    ("13:20", "He paid one twenty then took it back"),
]


@pytest.mark.parametrize(("time", "alert"), NOT_TIMES, ids=[a for _, a in NOT_TIMES])
def test_heights_and_prices_in_words_are_no_time(time, alert):
    assert disclosure.check(alert, profile(time=time)) == [], (time, alert)


def test_date_half_in_words_gives_one_hit_not_nested_duplicates():
    text = "21/11/twenty six"
    spans = [(h.start, h.end) for h in disclosure.check(text, profile())]
    nested = [a for a in spans for b in spans if a != b and b[0] <= a[0] and a[1] <= b[1]]
    assert spans and not nested, spans
