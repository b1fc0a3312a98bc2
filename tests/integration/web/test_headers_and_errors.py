"""P4 and the friendly error pages: security headers on every response (error pages and static
files included), no cookie on any public page, no outside origin referenced, HSTS over HTTPS
only, and 400/403/404/405/413/429/500 pages that are friendly and show no stack trace.
"""

from __future__ import annotations

import re

import pytest

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs import helplines
from ugly_mugs.web.headers import HEADERS

PUBLIC_GETS = ["/", "/report", "/receipt", "/healthz", "/api/v1/openapi.json", "/static/site.css", "/no-such-page"]


def assert_secure_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp and "http" not in csp


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_every_public_get_has_headers_and_no_cookie(client, passphrase, path):
    response = client.get(path)
    assert_secure_headers(response)
    assert "Set-Cookie" not in response.headers
    assert "Strict-Transport-Security" not in response.headers


def test_posts_set_no_cookie_either(client, passphrase):
    response = client.post("/report", data=minimal_report(form_token=form_token(client)))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert_secure_headers(response)


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_behind_a_trusted_proxy(database_url):
    app = make_app(database_url, TRUSTED_PROXIES=1)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    app.extensions["ugly_mugs.engine"].dispose()


# The only links out: the quick exit, and the support services of the help box, which a reporter
# follows by her own choice and which are told nothing of where she came from.
HELP_LINK = re.compile(r'<a href="(https://[^"]+)" rel="noopener noreferrer">')


def test_pages_reference_no_other_origin(client):
    for path in ("/", "/report", "/receipt", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        page = page.replace(client.application.config["QUICK_EXIT_URL"], "")
        assert set(HELP_LINK.findall(page)) <= {s.url for s in helplines.DEFAULT_SERVICES}, path
        page = HELP_LINK.sub("", page)
        assert not re.search(r'(src|href|action)="(https?:)?//', page), path
        assert "<script>" not in page and " style=" not in page and "<style" not in page


def test_404_is_friendly(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_405_is_friendly(client):
    response = client.delete("/report")
    assert response.status_code == 405
    assert "cannot be used that way" in response.get_data(as_text=True)
    assert_secure_headers(response)


def test_413_is_friendly(database_url):
    # The report routes take photos, with their own (larger) body limit.
    app = make_app(database_url, MAX_CONTENT_LENGTH=1000, PHOTO_REQUEST_BYTES=2000)
    response = app.test_client().post("/report", data={"what_happened": "x" * 5000})
    assert response.status_code == 413
    assert "too much to send at once" in response.get_data(as_text=True)
    assert_secure_headers(response)
    api = app.test_client().post("/api/v1/reports", data="x" * 5000, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["status"] == 413
    app.extensions["ugly_mugs.engine"].dispose()


def test_500_is_friendly_and_shows_no_trace(database_url, caplog):
    app = make_app(database_url)

    @app.get("/boom")
    def boom():
        raise RuntimeError("SecretInternalDetailZq")

    from ugly_mugs.web.access import public

    public(boom)
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "SecretInternalDetailZq" not in page and "Traceback" not in page
    assert_secure_headers(response)
    app.extensions["ugly_mugs.engine"].dispose()


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_healthz_holds_no_database_content(client, passphrase):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
