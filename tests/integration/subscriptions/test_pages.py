"""The subscription pages: sign up without an account (no JavaScript, form token, five languages),
the code, stop by the page and by the signed link; the outreach page behind login with CSRF; the
coordinator's counts; a flood refused; bad input never a 500; off unless switched on."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support import staff
from tests.support.app import make_app
from ugly_mugs.crypto import sealing
from ugly_mugs.models import Delivery, Subscription
from ugly_mugs.subscriptions import links, views
from ugly_mugs.subscriptions import service as subs
from ugly_mugs.web import form_token

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def app(database_url):
    app = make_app(database_url, SUBSCRIPTIONS=True, SUBSCRIBE_CLIENT_LIMIT=4)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def token(client, path="/alerts/subscribe") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_up(client, contact, areas=("holbeck",), language="pl"):
    return client.post(
        "/alerts/subscribe",
        data={"form_token": token(client), "contact": contact, "areas": list(areas), "language": language},
    )


def code_of(app, sub_id) -> str:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        sub = session.get(Subscription, sub_id)
        row = session.scalar(select(Delivery).where(Delivery.subscription_id == sub_id, Delivery.notice == "code"))
        pair = sealing.key_pair_from_private(app.config["DISPATCH_PRIVATE_KEY"])
        return sealing.unseal(pair, row.payload_sealed, subs.payload_context(sub.public_id, "code")).decode()


def only_subscription(app) -> Subscription:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        return session.scalar(select(Subscription))


def test_off_unless_switched_on(database_url):
    app = make_app(database_url)
    for path in ("/alerts/subscribe", "/alerts/stop"):
        assert app.test_client().get(path).status_code == 404


@pytest.mark.parametrize(
    ("lang", "words"),
    [("pl", "Otrzymuj"), ("ro", "Primește"), ("bg", "Получавайте"), ("pt-br", "Receba"), ("en", "Get warnings")],
)
def test_the_page_speaks_her_language(client, passphrase, lang, words):
    page = client.get(f"/alerts/subscribe?lang={lang}")
    assert page.status_code == 200 and words in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers


def test_sign_up_code_and_stop_without_javascript(app, client, passphrase):
    answer = sign_up(client, "07400 918273")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'name="code"' in page and "+447400918273" in page  # her own number, echoed to her only
    sub = only_subscription(app)
    code = code_of(app, sub.id)
    wrong = client.post(
        "/alerts/subscribe/code",
        data={
            "form_token": TOKEN.search(page).group(1),
            "contact": "+447400918273",
            "code": "000000" if code != "000000" else "1",
        },
    )
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    assert "not right" in page
    right = client.post(
        "/alerts/subscribe/code",
        data={"form_token": TOKEN.search(page).group(1), "contact": "+447400918273", "code": code},
    )
    assert right.status_code == 200
    assert only_subscription(app).state == "active"
    stop = client.post("/alerts/stop", data={"form_token": token(client, "/alerts/stop"), "contact": "07400918273"})
    assert stop.status_code == 200
    # Stopped: no areas, nothing unsent but the one text that tells her (the worker erases the
    # row once it has gone: tests/integration/subscriptions/test_stop_confirmation.py).
    stopped = only_subscription(app)
    assert stopped.state == "stopped"
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        notices = session.scalars(select(Delivery.notice).where(Delivery.subscription_id == stopped.id)).all()
    assert notices == ["stopped"]


def test_the_stop_link_of_an_email(app, client, passphrase):
    assert sign_up(client, "her@example.org").status_code == 200
    sub = only_subscription(app)
    link = "/alerts/stop/" + links.stop_token(app.config["SECRET_KEY"], sub.public_id)
    assert client.get(link).status_code == 200
    assert only_subscription(app) is not None  # opening the link (a mail scanner) stops nothing
    assert client.post(link, data={"form_token": token(client, link)}).status_code == 200
    assert only_subscription(app) is None
    assert client.get("/alerts/stop/" + sub.public_id + ".forged").status_code == 404


@pytest.mark.parametrize(
    ("contact", "status"),
    [("09098 790000", 400), ("0800 123 4567", 400), ("not a number", 400), ("", 400), ("x" * 300, 400)],
)
def test_refused_numbers_are_said_and_nothing_is_sent(app, client, passphrase, contact, status):
    answer = sign_up(client, contact)
    assert answer.status_code == status
    assert 'name="contact"' in answer.get_data(as_text=True)
    assert only_subscription(app) is None


def test_the_page_refuses_a_flood(app, client, passphrase):
    statuses = [sign_up(client, f"+4474009182{n:02d}").status_code for n in range(8)]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert len(list(session.scalars(select(Subscription)))) == 4


def test_bad_posts_are_never_a_500(client, passphrase):
    for data in ({}, {"form_token": "x"}, {"form_token": token(client), "areas": "nowhere", "language": "xx"}):
        assert client.post("/alerts/subscribe", data=data).status_code == 400
    assert client.post("/alerts/subscribe/code", data={}).status_code == 400
    assert client.post("/alerts/stop", data={}).status_code == 400
    assert client.get("/a/garbage").status_code == 404


def test_the_outreach_page_signs_her_up_behind_login(app, passphrase):
    client, _user = staff.signed_in(app, passphrase, "street", "outreach", granted=False)
    csrf = staff.csrf(client, "/outreach/subscribe")
    answer = client.post(
        "/outreach/subscribe",
        data={"csrf_token": csrf, "contact": "07400 918274", "areas": ["holbeck"], "language": "ro"},
    )
    assert answer.status_code == 200
    sub = only_subscription(app)
    code = code_of(app, sub.id)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', answer.get_data(as_text=True)).group(1)
    done = client.post("/outreach/subscribe/code", data={"csrf_token": csrf, "contact": "+447400918274", "code": code})
    assert done.status_code == 200
    assert only_subscription(app).state == "active"
    # Without the CSRF token nothing happens.
    assert client.post("/outreach/subscribe", data={"contact": "07400 918275", "areas": ["holbeck"]}).status_code == 400
    assert app.test_client().get("/outreach/subscribe").status_code in (302, 401, 403)


def test_the_coordinator_sees_counts_never_numbers(app, client, passphrase):
    sign_up(client, "07400 918276", areas=("holbeck", "harehills"))
    coordinator, _ = staff.signed_in(app, passphrase, "coord", "coordinator")
    page = coordinator.get("/coordinator/subscribers").get_data(as_text=True)
    assert "Holbeck" in page and "Harehills" in page
    assert "918276" not in page and "76<" not in page


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contact=st.text(max_size=300),
    code=st.text(max_size=40),
    areas=st.lists(st.sampled_from(["holbeck", "harehills", "nowhere", "", "\x00"]), max_size=3),
    language=st.sampled_from(["pl", "en", "xx", "", "pt_BR"]),
)
def test_no_input_is_a_server_error(app, client, passphrase, contact, code, areas, language):
    for path, fields in (
        ("/alerts/subscribe", {"contact": contact, "areas": areas, "language": language}),
        ("/alerts/subscribe/code", {"contact": contact, "code": code}),
        ("/alerts/stop", {"contact": contact}),
    ):
        if path == "/alerts/subscribe/code":
            token_value = form_token.issue(form_token.keys(app.config), views.CODE_FORM)
        else:
            token_value = TOKEN.search(client.get(path).get_data(as_text=True)).group(1)
        answer = client.post(path, data={"form_token": token_value, **fields})
        assert answer.status_code in (200, 400, 429), (path, answer.status_code)


# Text a link or a gateway may carry that is not ours: non-ASCII digits and letters, a NUL, a
# lone surrogate's escape, an over-long token. compare_digest raises on non-ASCII text, so each
# must be refused before it: never a 500.
NOT_OURS = ["abc.é", "x.\u0663\u0664", "²-abc", "1-é", "\u0661-ff", "a." + "f" * 200, "%00", "a.%C3%A9", ".", "-"]


@pytest.mark.parametrize("raw", NOT_OURS)
def test_a_stop_link_or_reference_that_is_not_ours_is_refused_never_a_500(app, client, passphrase, raw):
    from urllib.parse import quote

    for method in (client.get, client.post):
        assert method(f"/alerts/stop/{quote(raw, safe='')}").status_code < 500
    with app.test_request_context():
        from ugly_mugs.subscriptions import inbound

        key = inbound.inbound_key(app.config)
        token = inbound.endpoint_token(app.config)
        assert inbound.delivery_of(key, raw) is None
        answer = client.get("/sms/dlr", query_string={"key": token, "ref": raw, "status": "1"})
        assert answer.status_code == 400
        assert client.get("/sms/dlr", query_string={"key": raw, "ref": raw, "status": "1"}).status_code < 500


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=120))
def test_token_readers_take_any_text(raw):
    from ugly_mugs.subscriptions import inbound

    assert links.open_stop_token(["secret"], raw) in (None, raw.rpartition(".")[0])
    assert links.open_alert_token(["secret"], raw) is None or isinstance(links.open_alert_token(["secret"], raw), int)
    assert inbound.delivery_of(b"k" * 32, raw) is None or raw.split("-")[0].isdigit()
    assert inbound.token_matches({"SECRET_KEY": "s" * 32}, raw) in (True, False)
