"""SMS pumping: only mobile numbers of the installation's countries sign up, and texts abroad have
a smaller monthly ceiling of their own.

A table of numbers from many regions and spellings (spaces, ``+``, ``00``, national form,
digits of other scripts, NUL bytes), then Hypothesis: whatever is typed, a number is either
refused with a code the page words, or taken as ASCII E.164 of an allowed country. The pages
refuse a foreign number in her language, naming the countries, never with a 500; the setting
is checked when the app starts."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import config
from config import ConfigError
from tests.support.app import make_app
from ugly_mugs.models import Delivery, Subscription
from ugly_mugs.subscriptions import contact
from ugly_mugs.subscriptions import service as subs

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
GB_ONLY = subs.Limits(contact_limit=50, monthly_texts=100, home="GB", countries=("GB",), monthly_abroad=10)
GB_IE = subs.Limits(contact_limit=50, monthly_texts=100, home="GB", countries=("GB", "IE"), monthly_abroad=2)


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("07400 123456", "GB", "+447400123456"),
        ("+44 7400 123456", "GB", "+447400123456"),
        ("0044 7400 123456", "GB", "+447400123456"),
        ("+44 (0)7400-123-456", "GB", "+447400123456"),
        ("０７４００ １２３４５６", "GB", "+447400123456"),  # full-width digits
        ("٠٧٤٠٠١٢٣٤٥٦", "GB", "+447400123456"),  # Arabic-Indic digits
        ("+353 85 123 4567", "IE", "+353851234567"),
        ("00353 85 123 4567", "IE", "+353851234567"),
        ("+48 600 123 456", "PL", "+48600123456"),
        ("+40 721 234 567", "RO", "+40721234567"),
        ("+359 88 123 4567", "BG", "+359881234567"),
        ("+55 11 91234 5678", "BR", "+5511912345678"),
        ("+1 201 555 0123", "US", "+12015550123"),
        ("+234 803 123 4567", "NG", "+2348031234567"),
        ("+44 7797 712345", "JE", "+447797712345"),  # Jersey: +44, but not GB
    ],
)
def test_numbers_of_many_regions_are_read_and_placed(typed, region, e164):
    number = contact.parse_number(typed, "GB")
    assert number.value == e164 and number.value.isascii()
    assert contact.region_of(number) == region
    if region == "GB":
        assert contact.check_country(number, ("GB",)) == "GB"
    else:
        with pytest.raises(contact.ContactError) as refused:
            contact.check_country(number, ("GB",))
        assert refused.value.code == "country"
        assert contact.check_country(number, ("GB", region)) == region


@pytest.mark.parametrize("typed", ["\x00+447400123456", "+447400\x00123456", "07400\t123456", "07400 123456\x1b"])
def test_control_characters_are_never_read_past(typed):
    with pytest.raises(contact.ContactError) as refused:
        contact.parse_number(typed, "GB")
    assert refused.value.code == "unusable"


_DIGITS = st.sampled_from("0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩")
_TYPED = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda prefix, digits, sep: prefix + sep.join(digits),
        st.sampled_from(["", "+", "00", "0", "+44", "+353", "+48", "0044", "\x00", "+1"]),
        st.lists(st.text(_DIGITS, min_size=1, max_size=4), min_size=1, max_size=6),
        st.sampled_from(["", " ", "-", ".", "\x00", "\u00a0"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(typed=_TYPED, countries=st.sampled_from([("GB",), ("GB", "IE"), ("GB", "PL", "RO")]))
def test_whatever_is_typed_a_number_is_refused_or_of_an_allowed_country(typed, countries):
    try:
        number = contact.parse_number(typed, "GB")
        region = contact.check_country(number, countries)
    except contact.ContactError as refused:
        assert refused.code in {"empty", "long", "unusable", "not_mobile", "country"}
        return
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", number.value)
    assert region in countries and "\x00" not in typed


def test_a_foreign_number_is_refused_before_anything_is_counted_or_stored(db_session, passphrase):
    irish = contact.parse_number("+353 85 123 4567", "GB")
    with pytest.raises(contact.ContactError) as refused:
        subs.sign_up(db_session, irish, ["holbeck"], "en", GB_ONLY)
    assert refused.value.code == "country"
    assert db_session.scalar(select(func.count()).select_from(Subscription)) == 0
    assert db_session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_texts_abroad_have_a_smaller_ceiling_that_leaves_the_home_ones(db_session, passphrase):
    for n in range(GB_IE.monthly_abroad):
        assert subs.sign_up(db_session, contact.parse_number(f"+35385123450{n}", "GB"), ["holbeck"], "en", GB_IE)
    with pytest.raises(subs.Refused) as refused:
        subs.sign_up(db_session, contact.parse_number("+353851234599", "GB"), ["holbeck"], "en", GB_IE)
    assert refused.value.what == "cost"
    # Home numbers still sign up: the rotation of foreign numbers spent only the texts abroad.
    for n in range(5):
        assert subs.sign_up(db_session, contact.parse_number(f"+44740012345{n}", "GB"), ["holbeck"], "en", GB_IE)
    # Emails cost nothing.
    assert subs.sign_up(db_session, contact.parse_email("her@example.ie"), ["holbeck"], "en", GB_IE)


def test_the_whole_ceiling_also_binds_texts_abroad(db_session, passphrase):
    limits = subs.Limits(contact_limit=50, monthly_texts=1, countries=("GB", "IE"), monthly_abroad=5)
    assert subs.sign_up(db_session, contact.parse_number("+447400123450", "GB"), ["holbeck"], "en", limits)
    with pytest.raises(subs.Refused):
        subs.sign_up(db_session, contact.parse_number("+353851234500", "GB"), ["holbeck"], "en", limits)


def test_the_setting_is_checked_when_the_app_starts():
    assert config.load({})["SMS_COUNTRIES"] == ("GB",)
    assert config.load({"UGLY_MUGS_SMS_COUNTRIES": " gb, IE ,gb"})["SMS_COUNTRIES"] == ("GB", "IE")
    assert config.load({"UGLY_MUGS_PHONE_REGION": "ie"})["SMS_COUNTRIES"] == ("IE",)
    for bad in ("UK", "GB,EU", "G", "GBR", "XX", "GB;IE"):
        with pytest.raises(ConfigError, match=r"SMS_COUNTRIES: .* such as GB,IE"):
            config.load({"UGLY_MUGS_SMS_COUNTRIES": bad})
    with pytest.raises(ConfigError, match="SMS_MONTHLY_ABROAD_LIMIT"):
        config.load({"UGLY_MUGS_SMS_MONTHLY_ABROAD_LIMIT": "-1"})


@pytest.fixture
def app(database_url):
    app = make_app(database_url, SUBSCRIPTIONS=True, SUBSCRIBE_CLIENT_LIMIT=1000, SMS_COUNTRIES="GB,IE")
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def _sign_up(client, typed, lang):
    page = client.get(f"/alerts/subscribe?lang={lang}").get_data(as_text=True)
    return client.post(
        f"/alerts/subscribe?lang={lang}",
        data={"form_token": TOKEN.search(page).group(1), "contact": typed, "areas": "holbeck", "language": "en"},
    )


@pytest.mark.parametrize(
    ("lang", "words", "countries"),
    [
        ("en", "We can only send texts to mobile numbers from", ("United Kingdom", "Ireland")),
        ("pl", "Możemy wysyłać SMS-y tylko na numery komórkowe", ("Wielka Brytania", "Irlandia")),
        ("ro", "Putem trimite SMS-uri doar la numere de mobil", ("Regatul Unit", "Irlanda")),
        ("bg", "Можем да изпращаме SMS само до мобилни номера", ("Обединеното кралство", "Ирландия")),
        ("pt-br", "Só podemos enviar SMS para celulares", ("Reino Unido", "Irlanda")),
    ],
)
def test_the_page_refuses_a_foreign_number_in_her_language(app, passphrase, lang, words, countries):
    answer = _sign_up(app.test_client(), "+48 600 123 456", lang)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and words in page
    assert all(name in page for name in countries)
    assert _sign_up(app.test_client(), "+353 85 123 4567", lang).status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=_TYPED)
def test_the_page_never_fails_on_a_number(app, passphrase, typed):
    assert _sign_up(app.test_client(), typed, "en").status_code in (200, 400, 429)
