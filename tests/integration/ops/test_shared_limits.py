"""Shared limits hold in total across processes and hosts, in either store (the database or Redis).

Two ``create_app()`` instances on one database (and, for Redis, one Redis) stand for two
workers or two hosts: a client's wrong receipt codes, number checks and filings count once
across both. A flood of wrong codes from many addresses makes guessing dearer but never refuses
a right code. Refusals carry Retry-After. Neither store holds a client address, and a Redis
that does not answer lets reporters through (and refuses logins with a friendly 503).
"""

from __future__ import annotations

import secrets
import threading

import pytest
import redis
from flask import jsonify
from sqlalchemy import event

from tests.support.app import form_token, make_app, minimal_report
from tests.support.dbscan import find_plaintext
from tests.support.staff import PASSWORD, create, csrf, login
from ugly_mugs import throttle
from ugly_mugs.web import throttling
from ugly_mugs.web.access import public

REDIS_URL = "redis://127.0.0.1:6379/0"
WRONG = "AAAA-AAAA-AAAA-AAAA-AAAA"
ADDRESS = "203.0.113.7"


def _redis_or_skip() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 (the python-svc machine runs one)")
    return connection


@pytest.fixture(params=["database", "redis"])
def store(request):
    """Settings that choose the store; for Redis a key prefix of this test alone, emptied after it."""
    if request.param == "database":
        yield {}
        return
    connection = _redis_or_skip()
    prefix = f"test-{secrets.token_hex(6)}"
    yield {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix}
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
    connection.close()


@pytest.fixture
def two_apps(database_url, store):
    """Two instances of the app sharing one database, one secret key and one store."""
    secret = secrets.token_hex(32)

    def build(**overrides):
        return make_app(database_url, SECRET_KEY=secret, **store, **overrides)

    apps: list = []

    def make(**overrides):
        made = [build(**overrides), build(**overrides)]
        apps.extend(made)
        return made

    yield make
    for app in apps:
        app.extensions["ugly_mugs.engine"].dispose()


def _receipt(client, code: str, address: str = ADDRESS):
    data = {"receipt_code": code, "form_token": form_token(client, "/receipt")}
    return client.post("/receipt", data=data, environ_base={"REMOTE_ADDR": address})


def _api_status(client, code: str, address: str = ADDRESS):
    return client.post("/api/v1/receipt/status", json={"receipt_code": code}, environ_base={"REMOTE_ADDR": address})


def _file(client) -> str:
    return client.post("/api/v1/reports", json=minimal_report()).get_json()["receipt_code"]


def test_per_client_receipt_limit_holds_in_total_across_two_apps(two_apps, passphrase):
    first, second = (a.test_client() for a in two_apps(RECEIPT_CLIENT_FAILURES=10))
    statuses = [_receipt(first if n % 2 else second, WRONG).status_code for n in range(10)]
    assert statuses == [404] * 10
    for client in (first, second):
        refused = _receipt(client, WRONG)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 900
        assert _api_status(client, WRONG).status_code == 429
    # The limit is this client's alone.
    assert _receipt(second, WRONG, address="203.0.113.8").status_code == 404


def test_a_flood_of_wrong_codes_from_many_addresses_leaves_a_right_code_working(two_apps, passphrase):
    apps = two_apps(RECEIPT_GLOBAL_FAILURES=30, RECEIPT_CLIENT_FAILURES=10, RECEIPT_CLIENT_FAILURES_UNDER_LOAD=2)
    clients = [a.test_client() for a in apps]
    code = _file(clients[0])
    flood = [_api_status(clients[n % 2], WRONG, address=f"198.51.100.{n % 40 + 1}").status_code for n in range(120)]
    # Each of the 40 addresses had its first wrong codes answered, then had to wait: nobody guesses on.
    assert flood.count(404) >= 40 and 429 in flood
    with apps[0].app_context(), apps[0].extensions["ugly_mugs.sessionmaker"]() as session:
        assert throttling.receipt_guesses().under_load(session)
    for client in clients:
        # A fresh address with the right code, on either app, at once, on the page and in the API.
        assert _receipt(client, code, address="192.0.2.50").status_code == 200
        assert _api_status(client, code, address="192.0.2.51").status_code == 200
    # One typo under load does not cost the reporter her report.
    assert _api_status(clients[1], WRONG, address="192.0.2.52").status_code == 404
    assert _api_status(clients[0], code, address="192.0.2.52").status_code == 200
    # A flooding address itself stays refused, right code or not (its own guesses).
    assert _api_status(clients[0], code, address="198.51.100.1").status_code == 429


def test_public_checks_are_limited_in_total_across_two_apps(two_apps):
    first, second = (
        a.test_client() for a in two_apps(PUBLIC_CHECK=True, PUBLIC_CHECK_CLIENT_LIMIT=3, PUBLIC_CHECK_GLOBAL_LIMIT=100)
    )

    def check(client, address=ADDRESS):
        token = form_token(client, "/check-a-number")
        data = {"identifier": "07700 900123", "kind": "", "form_token": token}
        return client.post("/check-a-number", data=data, environ_base={"REMOTE_ADDR": address})

    assert [check(c).status_code for c in (first, second, first)] == [200, 200, 200]
    refused = check(second)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert check(first, address="203.0.113.9").status_code == 200


def _probe(app):
    """A route that does what the report views will do before filing: take the filing quota."""

    @public
    def filing_probe():
        from ugly_mugs.web import database

        refused = throttling.filing_refused()
        database.session().commit()
        if refused is not None:
            return jsonify({"retry_after": refused}), 429
        return jsonify({"filed": True}), 201

    app.add_url_rule("/_filing_probe", "filing_probe", filing_probe, methods=["POST"])
    app.extensions["csrf"].exempt(filing_probe)
    return app


def test_filing_is_limited_per_client_and_overall_in_total_across_two_apps(two_apps):
    apps = [_probe(a) for a in two_apps(FILING_CLIENT_LIMIT=3, FILING_GLOBAL_LIMIT=5, FILING_WINDOW_SECONDS=600)]
    first, second = (a.test_client() for a in apps)

    def file(client, address=ADDRESS):
        return client.post("/_filing_probe", environ_base={"REMOTE_ADDR": address})

    assert [file(c).status_code for c in (first, second, first)] == [201, 201, 201]
    refused = file(second)
    assert refused.status_code == 429
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    # Two more from another address reach the overall limit of five; then everyone waits.
    assert [file(first, "203.0.113.20").status_code, file(second, "203.0.113.21").status_code] == [201, 201]
    assert file(first, "203.0.113.22").status_code == 429


def test_login_lockout_is_shared_by_both_apps(two_apps, passphrase):
    first_app, second_app = two_apps()
    carla = create(first_app, "carla", "coordinator")
    dora = create(first_app, "dora", "coordinator")

    def attempt(app, username, password=None):
        client = app.test_client()
        token = csrf(client, "/login")
        return client.post(
            "/login",
            data={
                "username": username,
                "password": password or "wrong password here",
                "code": "000000",
                "csrf_token": token,
            },
        )

    for n in range(5):
        assert "not right" in attempt((first_app, second_app)[n % 2], "carla").get_data(as_text=True)
    for app in (first_app, second_app):
        assert "Too many tries for this account" in attempt(app, "carla", PASSWORD).get_data(as_text=True)
    # Someone else is not affected.
    assert login(second_app.test_client(), dora).status_code == 302
    assert carla.username == "carla"


def test_password_checks_of_a_signed_in_account_are_limited(two_apps, passphrase, clock):
    first_app, second_app = two_apps()
    carla = create(first_app, "carla", "coordinator")
    clients = [first_app.test_client(), second_app.test_client()]
    for client in clients:
        assert login(client, carla).status_code == 302
        clock.shift(31)  # an authenticator code is accepted once: the next login needs the next one

    def change(client, current):
        token = csrf(client, "/account/password")
        data = {"current": current, "new": "a brand new passphrase 1", "confirm": "a brand new passphrase 1"}
        return client.post("/account/password", data={**data, "csrf_token": token})

    statuses = [change(clients[n % 2], "not my password at all").status_code for n in range(5)]
    assert statuses == [400] * 5
    refused = change(clients[0], PASSWORD)
    assert refused.status_code == 429 and "Too many tries for this account" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "900"


def test_neither_store_holds_a_client_address(two_apps, passphrase, database_url, store):
    first, second = (a.test_client() for a in two_apps(PUBLIC_CHECK=True))
    for client in (first, second):
        _receipt(client, WRONG, address="198.51.100.23")
        client.post("/api/v1/reports", json=minimal_report(), environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert find_plaintext(database_url, ["198.51.100.23"]) == []
    if store:
        connection = redis.Redis.from_url(REDIS_URL)
        keys = [k.decode() for k in connection.scan_iter(f"{store['REDIS_PREFIX']}*")]
        assert keys and not any("198.51.100.23" in k for k in keys)
        connection.close()


def test_the_client_hash_key_is_the_same_in_every_process_and_never_random():
    assert throttle.client_hash_key("s" * 32) == throttle.client_hash_key("s" * 32)
    assert throttle.client_hash_key("s" * 32) != throttle.client_hash_key("t" * 32)
    configured = "ab" * 32
    assert throttle.client_hash_key("s" * 32, configured) == bytes.fromhex(configured)
    with pytest.raises(ValueError):
        throttle.client_hash_key("s" * 32, "ab" * 8)
    key = throttle.client_hash_key("s" * 32)
    assert throttle.client_key(key, ADDRESS) == throttle.client_key(key, ADDRESS) != throttle.client_key(key, "::1")


def test_named_counters_and_flags_behave_alike_in_both_stores(store, database_url):
    app = make_app(database_url, **store)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        for _ in range(3):
            throttle.global_fail(session, "login-fail-60:x", 60)
        assert throttle.window_failures(session, "login-fail-60:x", 60) == 3
        assert not throttle.flag_active(session, "login-lock:x", 900)
        throttle.set_flag(session, "login-lock:x")
        assert throttle.flag_active(session, "login-lock:x", 900)
        throttle.clear(session, "login-fail-60:x", "login-lock:x")
        assert throttle.window_failures(session, "login-fail-60:x", 60) == 0
        assert not throttle.flag_active(session, "login-lock:x", 900)
        session.commit()
    app.extensions["ugly_mugs.engine"].dispose()


def test_database_counters_lose_no_hit_under_concurrent_processes(database_url):
    """Threads with sessions of two engines (two processes) increment one counter at once."""
    apps = [make_app(database_url), make_app(database_url)]
    errors: list[BaseException] = []

    def hammer(app):
        try:
            for _ in range(25):
                with app.extensions["ugly_mugs.sessionmaker"]() as session:
                    throttle.global_fail(session, "concurrent", 600)
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(apps[n % 2],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and not any(t.is_alive() for t in threads)
    with apps[0].extensions["ugly_mugs.sessionmaker"]() as session:
        assert throttle.window_failures(session, "concurrent", 600) == 100
    for app in apps:
        app.extensions["ugly_mugs.engine"].dispose()


def test_lapsed_database_counters_restart_and_are_purged(database_url, clock):
    app = make_app(database_url)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        throttle.global_fail(session, "short", 60)
        throttle.global_fail(session, "short", 60)
        throttle.global_fail(session, "long", 3600)
        session.commit()
        clock.shift(61)
        assert throttle.window_failures(session, "short", 60) == 0
        throttle.global_fail(session, "short", 60)
        assert throttle.window_failures(session, "short", 60) == 1
        clock.shift(61)
        assert throttle.purge_expired(session) == 1
        assert throttle.window_failures(session, "long", 3600) == 1
        session.commit()
    app.extensions["ugly_mugs.engine"].dispose()


def test_an_unreachable_redis_lets_reporters_through_and_refuses_logins_kindly(database_url, passphrase):
    # Port 9 (discard) has no Redis: every call fails at once.
    app = make_app(database_url, REDIS_URL="redis://127.0.0.1:9/0", PUBLIC_CHECK=True)
    client = app.test_client()
    code = _file(client)
    assert _api_status(client, WRONG).status_code == 404
    assert _api_status(client, code).status_code == 200
    token = csrf(client, "/login")
    response = client.post("/login", data={"username": "x", "password": "y", "code": "1", "csrf_token": token})
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert "Traceback" not in response.get_data(as_text=True)
    app.extensions["ugly_mugs.engine"].dispose()


# Who asks, in order, against a quota of two a client and four overall: the third from "a" is
# refused by its own limit (and not counted overall), the second from "c" by the overall one.
ASKS = ("a", "a", "a", "b", "c", "c", "d", "a")


def test_asking_a_quota_answers_as_counting_would_and_counts_nothing(store, database_url, clock):
    """``Quota.refusal`` (asked before a report is encrypted: both counters read at once from the
    database) gives the answer ``take`` then gives, however often it is asked; a lapsed window
    in the database refuses nobody."""
    app = make_app(database_url, **store)
    quota = throttle.Quota(f"asks-{secrets.token_hex(4)}", 2, 4, 60)
    answers = []
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        for client in ASKS:
            asked = [quota.refusal(session, client) for _ in range(2)]
            taken = quota.take(session, client)
            # The same answer; the seconds to wait may differ by one, rounded from Redis's own
            # clock at another moment.
            assert [a is None for a in asked] == [taken is None] * 2
            assert all(taken is None or abs(a - taken) <= 1 for a in asked), (asked, taken)
            answers.append(taken is None)
        assert answers == [True, True, False, True, True, False, False, False]
        assert 1 <= quota.refusal(session, "a") <= 60
        if not store:  # Redis lapses keys by its own clock, which the test cannot move
            clock.shift(61)
            assert [quota.refusal(session, client) for client in ("a", "d")] == [None, None]
        session.commit()
    app.extensions["ugly_mugs.engine"].dispose()


def test_asking_a_quota_in_the_database_is_one_statement(database_url):
    app = make_app(database_url)
    engine = app.extensions["ugly_mugs.engine"]
    quota = throttle.Quota("one-read", 2, 3, 60)
    seen: list[str] = []

    def keep(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement)

    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        quota.take(session, "a")
        session.flush()
        event.listen(engine, "before_cursor_execute", keep)
        try:
            assert quota.refusal(session, "a") is None
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        session.commit()
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("SELECT"), seen
    engine.dispose()
