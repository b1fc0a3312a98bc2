"""The JSON API's body limit holds for a body sent without a Content-Length (chunked): past the
limit it is a 413 "The body is too large.", as with a Content-Length, not a 400 for the JSON cut
where Werkzeug stopped reading; within it, the report is filed."""

from __future__ import annotations

import io
import json

import pytest

MB = 1024 * 1024


def _chunked(client, body: bytes):
    return client.post(
        "/api/v1/reports",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": None},
    )


@pytest.mark.parametrize("padding", [3 * MB, 2 * MB])
def test_a_chunked_api_body_over_the_limit_is_a_413(app, client, padding):
    app.config["PHOTO_REQUEST_BYTES"] = 2 * MB
    body = json.dumps({"what_happened": "He hit me.", "padding": "x" * padding}).encode()
    response = _chunked(client, body)
    assert response.status_code == 413, response.get_json()
    assert response.get_json()["detail"] == "The body is too large."


def test_a_chunked_api_body_within_the_limit_is_read(app, client, passphrase):
    from tests.support.app import minimal_report

    body = json.dumps(minimal_report(what_happened="He hit me.", categories=["robbery"])).encode()
    response = _chunked(client, body)
    assert response.status_code == 201, response.get_json()
