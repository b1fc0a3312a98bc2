"""Through real Kannel to a fake phone and back: what reaches the phone is what was counted, a
STOP from the phone reaches our inbound URL, delivery reports reach the dlr-url."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime

import pytest

from alerts.delivery.render import Published
from alerts.delivery.sms import PermanentGatewayError, segments
from alerts.delivery.sms.kannel import KannelGateway, KannelSettings, delivery_state, parse_inbound
from alerts.delivery.sms.text import render
from alerts.delivery.wording import wording
from tests.kannel import (
    SHORT_CODE,
    inbound_receiver,
    kannel_fixture,  # noqa: F401 - makes the "kannel" fixture
    running_kannel,
    wait_until,
)

pytestmark = pytest.mark.kannel

_numbers = itertools.count(100)


def new_number() -> str:
    """A receiver no other test in the module uses, so each test reads only its own messages."""
    return f"+48600{next(_numbers):06d}"


def gateway(kannel, **overrides) -> KannelGateway:
    k = kannel.kannel
    settings = {"sendsms_url": k.sendsms_url, "username": k.username, "password": k.password, "sender": "UglyMugs"}
    return KannelGateway(KannelSettings(deadline=5.0, **{**settings, **overrides}))


def published(title: str) -> Published:
    return Published(
        message_id="m-1",
        reference="A-7K3Q9X",
        kind="alert",
        severity="urgent",
        title=title,
        body="Pojazd: srebrny opel, registration KR 12345. Telefon: +48 600 100 200.",
        areas="Holbeck",
        incident_week=date(2026, 11, 16),
        part_of_day="night",
        published_at=datetime(2026, 11, 20, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("locale", "title", "coding", "count"),
    [
        ("pl", "Napad i pobicie, podaje się za taksówkarza – Holbeck", "UCS-2", 2),
        ("en", "Robbery – man posing as a taxi driver, Holbeck", "GSM-7", 1),
    ],
)
def test_a_rendered_alert_reaches_the_phone_whole_in_the_segments_counted(kannel, locale, title, coding, count):
    number = new_number()
    sms = render(published(title), wording(locale), "https://um.example/a/Xy12Ab", region="PL")
    assert sms.text.startswith("KR12345, 600 100 200 - ")
    assert (sms.encoding.name, sms.segments) == (coding, count)
    accepted = gateway(kannel).send(number, sms.text, "d-1")
    assert (accepted.encoding, accepted.segments) == (sms.encoding, sms.segments)
    [message] = kannel.kannel.wait_for_messages(1, to=number)
    assert (message.text, message.coding, message.segments, message.sender) == (sms.text, coding, count, "UglyMugs")


# Texts at the edges of the segment sizes: Kannel must cut each into the segments we count.
EDGES = [
    "A" * 160,
    "A" * 161,
    "A" * 306,
    "A" * 307,
    "€" * 80,
    "€" * 81,
    "A" * 158 + "€",
    "A" * 159 + "€",
    "A" * 152 + "€" + "B" * 10,
    "Café, Ñoño, Ä Ö Ü ß, Δ Σ Ω {[~]} " * 5,
    "ł" * 70,
    "ł" * 71,
    "ł" * 134,
    "ł" * 135,
    "Atenție: bărbat periculos în mașină. " * 4,
    "Внимание: опасен клиент, не се качвай. " * 3,
    "Atenção: homem perigoso, não entre no carro. " * 3,
    "Short English alert: AB12 CDE, 07700 900123.",
]


def test_kannel_cuts_every_text_into_the_segments_we_count(kannel):
    sent = {}
    g = gateway(kannel)
    for text in EDGES:
        number = new_number()
        accepted = g.send(number, text, "d-2")
        sent[number] = (text, accepted)
    arrived = {}
    for number in sent:
        [arrived[number]] = kannel.kannel.wait_for_messages(1, to=number)
    for number, (text, accepted) in sent.items():
        message = arrived[number]
        expected = segments.split(text)
        assert message.text == text
        assert (message.coding, message.segments) == (expected.encoding.name, expected.segments), text[:30]
        assert (accepted.encoding, accepted.segments) == (expected.encoding, expected.segments)


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop, proszę", "СТОП", "STOP 🙏"])
def test_a_reply_from_the_phone_reaches_the_inbound_url(kannel, text):
    number = new_number()
    kannel.kannel.send_from_phone(number, text)

    def arrived():
        found = [parse_inbound(q) for q in kannel.inbound.queries("/mo")]
        return [i for i in found if i.sender == number]

    [inbound] = wait_until(arrived, 10, "the inbound message at our URL")
    assert (inbound.sender, inbound.receiver, inbound.text) == (number, SHORT_CODE, text)
    assert inbound.kannel_id


def test_delivery_reports_reach_the_dlr_url_with_our_reference(kannel):
    number = new_number()
    reference = f"d-{number[-6:]}"
    gateway(kannel, dlr_url=f"{kannel.inbound_url}/dlr").send(number, "Delivery report, please", reference)

    def reports():
        found = [dict(p.split("=", 1) for p in q.split("&")) for q in kannel.inbound.queries("/dlr")]
        mine = [r for r in found if r["ref"] == reference]
        return mine if any(delivery_state(r["status"]) == "delivered" for r in mine) else None

    mine = wait_until(reports, 10, "a delivery report")
    assert {delivery_state(r["status"]) for r in mine} <= {"delivered", "pending"}


def test_a_wrong_password_is_a_permanent_refusal_and_nothing_is_sent(kannel):
    number = new_number()
    with pytest.raises(PermanentGatewayError, match="403") as caught:
        gateway(kannel, password="wrong").send(number, "Should never arrive", "d-3")
    assert caught.value.retryable is False
    # A message sent after it arrives, and the refused one never did.
    gateway(kannel).send(number, "After the refusal", "d-4")
    [message] = kannel.kannel.wait_for_messages(1, to=number)
    assert message.text == "After the refusal"


def test_stopping_kannel_leaves_no_process(tmp_path):
    with inbound_receiver() as (url, _recorder), running_kannel(tmp_path, url + "/mo") as k:
        k.send_from_phone("+48600999999", "STOP")
        pids = [p.pid for p in k.processes]
        assert len(pids) == 3
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
