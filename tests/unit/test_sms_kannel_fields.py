"""What Kannel passes back to us: inbound messages in each coding, and delivery report types."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.delivery.sms.kannel import MO_QUERY, delivery_state, parse_inbound


def query(text: bytes, coding: str, charset: str, sender: str = "+48600100200") -> str:
    return f"sender={quote_plus(sender)}&receiver=81234&text={quote_plus(text)}&coding={coding}&charset={charset}&id=k1"


@pytest.mark.parametrize(
    ("text", "coding", "charset"),
    [
        ("STOP", "0", "UTF-8"),
        ("Stop, proszę", "0", "UTF-8"),  # smsbox's mo-recode turns UCS-2 into UTF-8
        ("Stop, proszę", "2", "UTF-16BE"),
        ("СТОП", "2", "UTF-16BE"),
        ("STOP 🙏", "2", "UTF-16BE"),
        ("stop & go = 100% + more", "0", "UTF-8"),
        ("Ştop", "0", "ISO-8859-2"),
    ],
)
def test_inbound_text_comes_back_whole_in_each_coding(text, coding, charset):
    raw = text.encode("utf-16-be" if charset == "UTF-16BE" else charset)
    inbound = parse_inbound(query(raw, coding, charset))
    assert (inbound.sender, inbound.receiver, inbound.text, inbound.kannel_id) == ("+48600100200", "81234", text, "k1")


def test_ucs2_without_a_charset_is_read_as_utf16():
    assert parse_inbound(f"sender=1&receiver=2&text={quote('Łódź'.encode('utf-16-be'))}&coding=2").text == "Łódź"


@pytest.mark.parametrize(
    "bad",
    [
        "receiver=2&text=STOP",  # no sender
        "sender=1&text=STOP",
        "sender=1&receiver=2",
        "sender=1&receiver=2&text=%00%01&coding=1",  # binary
        "sender=1&receiver=2&text=%D8%00&coding=2&charset=UTF-16BE",  # a lone surrogate
        "sender=1&receiver=2&text=%FF&coding=0&charset=UTF-8",
        "sender=1&receiver=2&text=STOP&charset=no-such-charset",
    ],
)
def test_inbound_that_cannot_be_read_is_a_value_error(bad):
    with pytest.raises(ValueError):
        parse_inbound(bad)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), st.sampled_from(["0", "2"]))
def test_any_text_survives_the_round_trip(text, coding):
    charset = "UTF-16BE" if coding == "2" else "UTF-8"
    try:
        raw = text.encode("utf-16-be" if coding == "2" else "utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: no phone sends them
    assert parse_inbound(query(raw, coding, charset)).text == text


def test_the_mo_query_asks_kannel_for_each_field_we_read():
    assert {p.split("=")[0] for p in MO_QUERY.split("&")} == {"sender", "receiver", "text", "coding", "charset", "id"}
    assert "%b" in MO_QUERY  # the message as sent, not %a (which squeezes spaces)


@pytest.mark.parametrize(
    ("status", "state"),
    [(1, "delivered"), ("1", "delivered"), (2, "failed"), (16, "failed"), (4, "pending"), (8, "pending")],
)
def test_delivery_report_types(status, state):
    assert delivery_state(status) == state


@pytest.mark.parametrize("status", [0, 3, 32, "x", "", None])
def test_unknown_delivery_report_types_are_refused(status):
    with pytest.raises(ValueError):
        delivery_state(status)
