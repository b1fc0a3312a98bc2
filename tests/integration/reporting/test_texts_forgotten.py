"""What she wrote is not kept in the process once her request is answered.

The disclosure guard keeps the last texts it read (``normalise.fold`` and ``fold_numbers``),
the addresses in them and how common the parts before their @ are (``contacts``) while a
request runs; the app empties those caches when the request ends, whichever door the report
came through and whether it was stored or refused.
"""

from __future__ import annotations

import secrets

import pytest

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs import disclosure


@pytest.fixture
def app(database_url, passphrase):
    app = make_app(database_url)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def _form(client, story, **changes):
    return client.post("/report", data=minimal_report(what_happened=story, form_token=form_token(client), **changes))


def _api(client, story, **changes):
    return client.post("/api/v1/reports", json=minimal_report(what_happened=story, categories=["robbery"], **changes))


@pytest.mark.parametrize("send", [_form, _api], ids=["form", "api"])
@pytest.mark.parametrize(
    ("changes", "stored"), [({}, True), ({"consent_level": "not-a-level"}, False)], ids=["stored", "refused"]
)
def test_no_text_of_hers_stays_cached_after_her_request(app, send, changes, stored):
    story = f"He took my phone, my number is 07700 900{secrets.randbelow(900) + 100} {secrets.token_hex(4)}"
    story += f", mail me at kit{secrets.token_hex(3)}@example.org"
    response = send(app.test_client(), story, **changes)
    assert (response.status_code in (200, 201)) is stored
    assert {cache.__name__: cache.cache_info().currsize for cache in disclosure.CACHES_OF_TEXTS} == dict.fromkeys(
        (cache.__name__ for cache in disclosure.CACHES_OF_TEXTS), 0
    )
