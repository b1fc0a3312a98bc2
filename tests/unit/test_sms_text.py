"""A published alert as a text message: plates and numbers first, the link whole, at most two
segments in every language, whatever the coordinator wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.delivery.render import Published
from alerts.delivery.sms import segments
from alerts.delivery.sms.text import MAX_SEGMENTS, identifiers, plain, render
from alerts.delivery.wording import LOCALES, wording

LINK = "https://um.example/a/Xy12Ab"

BODY = (
    "What happened:\nHe took her money and her phone.\n\nAbout him:\n"
    "Vehicle: silver, Ford, Focus, registration AB12 CDE\nPhone: 07911 123456"
)


def published(**fields) -> Published:
    values = {
        "message_id": "m-1",
        "reference": "A-7K3Q9X",
        "kind": "alert",
        "severity": "urgent",
        "title": "Robbery – Holbeck",
        "body": BODY,
        "areas": "Holbeck",
        "incident_week": date(2026, 11, 16),
        "part_of_day": "night",
        "published_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    return Published(**{**values, **fields})


def test_an_english_alert_fits_one_gsm_segment_with_plate_and_number_first():
    sms = render(published(), wording("en"), LINK)
    assert sms.text == (
        "AB12CDE, 07911 123456 - Urgent: Robbery - Holbeck. No warning does not mean safe. https://um.example/a/Xy12Ab"
    )
    assert (sms.encoding, sms.segments) == (segments.GSM7, 1)


# Per language: the severity label in that language, and the alphabet its letters need.
LANGUAGES = [
    ("en", "Robbery – Holbeck", "Urgent", segments.GSM7),
    ("pl", "Rozbój – Holbeck", "Pilne", segments.UCS2),
    ("ro", "Tâlhărie – Holbeck", "Urgent", segments.UCS2),
    ("pt_BR", "Assalto – Holbeck", "Urgente", segments.GSM7),
    ("pt_BR", "Agressão – Holbeck", "Urgente", segments.UCS2),
    ("bg", "Грабеж – Holbeck", "Спешно", segments.UCS2),
]


@pytest.mark.parametrize(("locale", "title", "label", "encoding"), LANGUAGES)
def test_each_language_gets_its_label_and_the_alphabet_it_needs(locale, title, label, encoding):
    sms = render(published(title=title), wording(locale), LINK)
    assert sms.text.startswith(f"AB12CDE, 07911 123456 - {label}: {plain(title)}")
    assert sms.text.endswith(LINK)
    assert sms.encoding is encoding
    assert sms.segments <= MAX_SEGMENTS
    assert segments.split(sms.text).segments == sms.segments


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("alert", "Urgent: "), ("update", "Update: "), ("retraction", "Withdrawn: ")],
)
def test_an_update_or_a_withdrawal_says_so(kind, expected):
    assert f" - {expected}" in render(published(kind=kind), wording("en"), LINK).text


def test_typographic_punctuation_does_not_force_ucs2():
    title = "“Taxi” driver – don’t get in… at night"
    sms = render(published(title=title, body="Nothing to match"), wording("en"), LINK)
    assert sms.encoding is segments.GSM7
    assert sms.text.startswith('Urgent: "Taxi" driver - don\'t get in... at night')


def test_line_breaks_and_runs_of_space_become_one_space():
    sms = render(published(title="Robbery\n\nin  Holbeck\tpark", body=""), wording("en"), LINK)
    assert "Robbery in Holbeck park" in sms.text and "\n" not in sms.text


def test_areas_are_added_unless_the_title_names_them():
    assert "(Holbeck)" not in render(published(), wording("en"), LINK).text
    sms = render(published(title="Robbery", areas="Holbeck, Beeston"), wording("en"), LINK)
    assert "Urgent: Robbery (Holbeck, Beeston)" in sms.text


def test_the_reminder_only_when_it_costs_no_extra_segment():
    # Polish: the reminder would turn a GSM-7 text into UCS-2 and two segments, so it stays out.
    sms = render(published(), wording("pl"), LINK)
    assert "ostrzeżenia" not in sms.text and sms.segments == 1
    # Already in UCS-2 with room left in the segments it takes: it goes in, before the link.
    reminder = plain(wording("pl").no_warning_means_safe)
    sms = render(published(title="Rozbój – Holbeck"), wording("pl"), LINK)
    assert sms.text.endswith(f"Holbeck. {reminder} {LINK}")
    without = sms.text.replace(f". {reminder} ", " ")
    assert sms.segments == segments.count(without) == 2
    # One word longer and it would need a third segment: out it goes.
    sms = render(published(title="Rozbój i pobicie przez klienta – Holbeck"), wording("pl"), LINK)
    assert reminder not in sms.text and sms.segments == 2


LONG_POLISH = (
    "Napad i pobicie przez mężczyznę podającego się za taksówkarza, który zabrał pieniądze, telefon "
    "i klucze, a potem groził nożem – Holbeck, Beeston, Armley"
)


def test_a_long_title_is_cut_at_a_word_with_an_ellipsis_and_the_link_kept_whole():
    sms = render(published(title=LONG_POLISH, kind="retraction"), wording("pl"), LINK)
    assert sms.segments == 2 and sms.encoding is segments.UCS2
    assert sms.text.startswith("AB12CDE, 07911 123456 - Wycofane: Napad i pobicie")
    assert sms.text.endswith(f"… {LINK}")
    kept = sms.text.split("Wycofane: ", 1)[1].rsplit("… ", 1)[0]
    assert plain(LONG_POLISH).startswith(kept) and plain(LONG_POLISH)[len(kept)] in " ,"


def test_a_long_english_title_is_cut_with_three_dots_to_stay_gsm():
    title = "Robbery " * 60
    sms = render(published(title=title), wording("en"), LINK)
    assert sms.encoding is segments.GSM7 and sms.segments == 2
    assert sms.text.endswith(f"Robbery... {LINK}")


def test_one_long_word_is_cut_between_letters_never_before_a_combining_mark():
    title = "e\u0301" * 150  # é written as e and a combining acute accent, 300 code points, no space
    sms = render(published(title=title, body=""), wording("en"), LINK)
    assert sms.segments == 2
    kept = sms.text.split(": ", 1)[1].rsplit("… ", 1)[0]
    assert kept and kept.endswith("\u0301") and title.startswith(kept)


def test_identifiers_come_from_the_published_text_plates_first():
    m = published(body="Phone: 07911 123456 and +48 600 100 200. Vehicle: registration KR 12345")
    assert identifiers(m, "GB") == ["KR12345", "07911 123456", "+48 600 100 200"]
    # Read in Poland: the British national form is no Polish number, the digits of a plate are
    # no number at all, and a Polish number is shown as Polish phones show it.
    assert identifiers(m, "PL") == ["KR12345", "600 100 200"]
    assert identifiers(published(title="Robbery", body="No details.")) == []


def test_given_names_replace_the_found_ones_and_extra_ones_go_first_when_space_runs_out():
    names = [f"AB{i:02d}CDE" for i in range(40)]
    sms = render(published(title=LONG_POLISH), wording("pl"), LINK, names=names)
    assert sms.segments <= 2
    assert sms.text.startswith("AB00CDE, AB01CDE")
    assert "Pilne" in sms.text and sms.text.endswith(LINK)


def test_no_identifiers_starts_with_the_label():
    sms = render(published(body="No details."), wording("en"), LINK)
    assert sms.text.startswith("Urgent: Robbery - Holbeck")


@pytest.mark.parametrize("link", ["", "   ", "https://a b", "https://um.example/" + "x" * 400])
def test_a_link_that_cannot_be_sent_whole_is_refused(link):
    with pytest.raises(ValueError):
        render(published(), wording("en"), link)


WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789.,;:-–—“”‘’…\n\t€[]{}"
    "ąęłóśżźćńĄŁŚŻșțăâîСПЕШНОабвгд🚗é\u0301",
    max_size=300,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=WORDS,
    body=WORDS,
    areas=st.text(alphabet="Holbeck, Beeston Łódź Sofia", max_size=60),
    kind=st.sampled_from(["alert", "update", "retraction"]),
    severity=st.sampled_from(["urgent", "warning", "information"]),
    locale=st.sampled_from(LOCALES),
    names=st.none() | st.lists(st.text(alphabet="ABCDEFGHKR0123456789 +", min_size=1, max_size=20), max_size=8),
)
def test_any_alert_fits_two_segments_link_last_label_kept(title, body, areas, kind, severity, locale, names):
    m = published(title=title, body=body, areas=areas, kind=kind, severity=severity)
    w = wording(locale)
    sms = render(m, w, LINK, names=names)
    assert sms.segments <= MAX_SEGMENTS
    assert segments.split(sms.text) == segments.split(sms.text)  # deterministic
    assert (sms.encoding, sms.segments) == (segments.split(sms.text).encoding, segments.split(sms.text).segments)
    assert sms.text.endswith(" " + LINK)
    label = w.kinds[kind] if kind != "alert" else w.severities[severity]
    assert plain(label) in sms.text
    expected = [plain(n) for n in (identifiers(m) if names is None else names) if plain(n)]
    if expected:
        assert sms.text.startswith(expected[0])
    assert "\n" not in sms.text and "\t" not in sms.text
