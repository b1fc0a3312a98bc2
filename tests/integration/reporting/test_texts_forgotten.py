"""What she wrote is not kept in the process once her request is answered.

The disclosure guard keeps the last texts it read (``normalise.fold`` and ``fold_numbers``)
while a request runs; the app empties those caches when the request ends, whichever door the
report came through and whether it was stored or refused.
"""

from __future__ import annotations

import secrets

import pytest

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs.disclosure import normalise


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
    response = send(app.test_client(), story, **changes)
    assert (response.status_code in (200, 201)) is stored
    assert normalise.fold.cache_info().currsize == 0
    assert normalise.fold_numbers.cache_info().currsize == 0
