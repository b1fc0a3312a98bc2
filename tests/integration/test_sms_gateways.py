"""Both SMS gateway clients against a real HTTP server on 127.0.0.1: each answer and each fault
ends as accepted, a temporary error or a permanent one, within the deadline, and no error
quotes the number or the text."""

from __future__ import annotations

import json
import socket
import time

import pytest

from alerts.delivery.sms import Accepted, GatewayError, PermanentGatewayError, TemporaryGatewayError
from alerts.delivery.sms.kannel import DLR_MASK, KannelGateway, KannelSettings
from alerts.delivery.sms.provider import ProviderGateway, ProviderSettings, retry_after
from alerts.delivery.sms.segments import GSM7, UCS2
from tests.sms_provider import Provider, Reply, provider_server

NUMBER = "+48600100200"
POLISH = "Uwaga: KR 12345, biały opel. Nie wsiadaj. https://um.example/a/Xy12"
TOKEN = "tok_" + "x" * 24
DEADLINE = 1.0


def provider_gateway(base: str, **overrides) -> ProviderGateway:
    settings = {"url": f"{base}/xms/v1/plan/batches", "token": TOKEN, "sender": "UglyMugs", **overrides}
    return ProviderGateway(ProviderSettings(deadline=DEADLINE, **settings))


def kannel_gateway(base: str, **overrides) -> KannelGateway:
    settings = {
        "sendsms_url": f"{base}/cgi-bin/sendsms",
        "username": "ugly",
        "password": "secret-pass",
        "sender": "UglyMugs",
        **overrides,
    }
    return KannelGateway(KannelSettings(deadline=DEADLINE, **settings))


GATEWAYS = {"provider": provider_gateway, "kannel": kannel_gateway}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_safe(error: GatewayError) -> None:
    for secret in (NUMBER, NUMBER[1:], "600100200", POLISH[:20], TOKEN, "secret-pass"):
        assert secret not in str(error) and secret not in error.reason


# --- the provider's request ---------------------------------------------------------------


def test_provider_posts_json_with_a_bearer_token():
    provider = Provider()
    with provider_server(provider) as base:
        gateway = provider_gateway(base, callback_url="https://app.example/sms/reports")
        accepted = gateway.send(NUMBER, POLISH, "d-17")
    assert accepted == Accepted(encoding=UCS2, segments=1, gateway_id="batch-1")
    [request] = provider.requests
    assert request["path"] == "/xms/v1/plan/batches"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {
        "from": "UglyMugs",
        "to": [NUMBER],
        "body": POLISH,
        "type": "mt_text",
        "client_reference": "d-17",
        "delivery_report": "per_recipient",
        "callback_url": "https://app.example/sms/reports",
    }


def test_provider_without_a_callback_asks_for_no_reports():
    provider = Provider()
    with provider_server(provider) as base:
        provider_gateway(base).send(NUMBER, "Plain English text", "d-18")
    body = json.loads(provider.requests[0]["body"])
    assert body["delivery_report"] == "none" and "callback_url" not in body


def test_kannel_posts_the_text_as_the_body_and_the_fields_as_headers():
    provider = Provider([Reply(202, b"0: Accepted for delivery")])
    with provider_server(provider) as base:
        gateway = kannel_gateway(base, dlr_url="https://app.example/sms/kannel/dlr?k=abc", smsc="modem")
        accepted = gateway.send(NUMBER, POLISH, "d-19")
    assert accepted == Accepted(encoding=UCS2, segments=1, gateway_id=None)
    [request] = provider.requests
    # Neither the number nor the password is in the URL.
    assert request["path"] == "/cgi-bin/sendsms"
    headers = request["headers"]
    assert request["body"].decode("utf-8") == POLISH
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert (headers["X-Kannel-To"], headers["X-Kannel-From"]) == (NUMBER, "UglyMugs")
    assert (headers["X-Kannel-Username"], headers["X-Kannel-Password"]) == ("ugly", "secret-pass")
    assert headers["X-Kannel-Coding"] == "2"
    assert headers["X-Kannel-DLR-Mask"] == str(DLR_MASK)
    assert headers["X-Kannel-DLR-URL"] == "https://app.example/sms/kannel/dlr?k=abc&ref=d-19&status=%d"
    assert headers["X-Kannel-SMSC"] == "modem"


def test_kannel_sends_gsm_text_as_7_bit():
    provider = Provider([Reply(202, b"0: Accepted for delivery")])
    with provider_server(provider) as base:
        accepted = kannel_gateway(base).send(NUMBER, "Price 50€ [cash]", "d-20")
    assert (accepted.encoding, accepted.segments) == (GSM7, 1)
    headers = provider.requests[0]["headers"]
    assert headers["X-Kannel-Coding"] == "0"
    assert "X-Kannel-DLR-URL" not in headers


def test_kannel_refuses_a_reference_its_dlr_url_would_garble():
    with pytest.raises(ValueError, match="reference"):
        kannel_gateway("http://127.0.0.1:9").send(NUMBER, "x", "50%d")


# --- answers: accepted, temporary, permanent ------------------------------------------------

ANSWERS = [
    (Reply(200, b'{"id": "abc"}'), None),
    (Reply(202, b"0: Accepted for delivery"), None),
    (Reply(202, b"3: Queued for later delivery"), None),
    (Reply(204), None),
    (Reply(301, headers={"Location": "http://127.0.0.1:9/elsewhere"}), PermanentGatewayError),
    (Reply(400, b"Missing receiver"), PermanentGatewayError),
    (Reply(401), PermanentGatewayError),
    (Reply(403, b"Authorization failed for sendsms"), PermanentGatewayError),
    (Reply(404), PermanentGatewayError),
    (Reply(422, b'{"code": "syntax_invalid_parameter_format"}'), PermanentGatewayError),
    (Reply(408), TemporaryGatewayError),
    (Reply(429, headers={"Retry-After": "30"}), TemporaryGatewayError),
    (Reply(500), TemporaryGatewayError),
    (Reply(502), TemporaryGatewayError),
    (Reply(503, b"Temporal failure, try again later."), TemporaryGatewayError),
]


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
@pytest.mark.parametrize(("reply", "error"), ANSWERS, ids=[str(r.status) for r, _ in ANSWERS])
def test_each_answer_is_accepted_or_a_clear_error(make, reply, error):
    provider = Provider([reply])
    with provider_server(provider) as base:
        gateway = make(base)
        if error is None:
            assert gateway.send(NUMBER, POLISH, "d-1").segments == 1
            return
        with pytest.raises(error) as caught:
            gateway.send(NUMBER, POLISH, "d-1")
    assert caught.value.retryable is (error is TemporaryGatewayError)
    assert str(reply.status) in caught.value.reason
    assert_safe(caught.value)
    assert len(provider.requests) == 1  # a redirect is not followed


def test_provider_keeps_the_wait_it_was_asked_for():
    provider = Provider([Reply(429, headers={"Retry-After": "30"}), Reply(503, headers={"Retry-After": "7"})])
    with provider_server(provider) as base:
        gateway = provider_gateway(base)
        for expected in (30.0, 7.0):
            with pytest.raises(TemporaryGatewayError) as caught:
                gateway.send(NUMBER, "x", "d-2")
            assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("999999", 3600.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(value, seconds):
    from datetime import UTC, datetime

    assert retry_after(value, now=datetime(2015, 10, 21, 7, 28, tzinfo=UTC)) == seconds


def test_provider_answer_without_an_id_is_still_accepted():
    provider = Provider([Reply(201, b"not json"), Reply(201, b'{"id": ""}'), Reply(201, b"[1, 2]")])
    with provider_server(provider) as base:
        gateway = provider_gateway(base)
        assert [gateway.send(NUMBER, "x", "d-3").gateway_id for _ in range(3)] == [None, None, None]


# --- faults: every one temporary and bounded in time ----------------------------------------


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
@pytest.mark.parametrize("fault", ["hang", "trickle", "banner"])
def test_a_broken_gateway_costs_at_most_the_deadline(make, fault):
    provider = Provider([fault])
    with provider_server(provider) as base:
        started = time.monotonic()
        with pytest.raises(TemporaryGatewayError) as caught:
            make(base).send(NUMBER, POLISH, "d-4")
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + 0.5, elapsed
    if fault == "banner":
        assert "not HTTP" in caught.value.reason
    else:
        assert "within 1 s" in caught.value.reason
    assert_safe(caught.value)


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
def test_nobody_listening_is_temporary(make):
    with pytest.raises(TemporaryGatewayError, match="refused"):
        make(f"http://127.0.0.1:{free_port()}").send(NUMBER, "x", "d-5")


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
@pytest.mark.parametrize("base", ["ftp://127.0.0.1", "file:///etc", "http://", "http://127.0.0.1:99999"])
def test_an_unusable_url_is_permanent(make, base):
    with pytest.raises(PermanentGatewayError, match="URL"):
        make(base).send(NUMBER, "x", "d-6")


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
def test_a_non_ascii_path_is_sent_percent_encoded(make):
    provider = Provider([Reply(202)])
    with provider_server(provider) as base:
        gateway = make(base)
        url = f"{base}/bramka/wiadomości"
        settings = gateway.settings
        field = "url" if isinstance(gateway, ProviderGateway) else "sendsms_url"
        gateway.settings = type(settings)(**{**settings.__dict__, field: url})
        gateway.send(NUMBER, "x", "d-7")
    assert provider.requests[0]["path"] == "/bramka/wiadomo%C5%9Bci"


@pytest.mark.parametrize("make", GATEWAYS.values(), ids=GATEWAYS.keys())
@pytest.mark.parametrize(
    "number", ["07700900123", "48600100200", "+0123456789", "+48 600 100 200", "", "+4860010020012345"]
)
def test_a_number_not_in_e164_is_refused_before_anything_is_sent(make, number):
    provider = Provider()
    with provider_server(provider) as base, pytest.raises(PermanentGatewayError, match="E.164") as caught:
        make(base).send(number, "x", "d-8")
    assert provider.requests == []
    if number:
        assert number not in caught.value.reason
