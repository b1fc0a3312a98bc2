"""Deny by default: every registered route is either on the explicit public allow-list or refused.

A new route added without a rule makes ``test_every_route_has_a_rule`` fail, so nothing
becomes reachable by accident.
"""

from __future__ import annotations

import pytest

from ugly_mugs.access import is_public

# endpoint -> the methods the public may use. Anything else must be refused.
PUBLIC = {
    "static": {"GET"},
    "health.healthz": {"GET"},
    "reporting.index": {"GET"},
    "reporting.report": {"GET", "POST"},
    "reporting.receipt": {"GET", "POST"},
    "reporting.add_information": {"POST"},
    "reporting.change_consent": {"POST"},
    "reporting.erase": {"POST"},
    "api.openapi": {"GET"},
    "api.submit_report": {"POST"},
    "api.receipt_status": {"POST"},
    "api.receipt_consent": {"POST"},
}


def concrete(rule) -> str:
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<path:{arg}>", "site.css").replace(f"<{arg}>", "x")
    return path


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(PUBLIC), "a route was added or removed without updating the access rules"


def test_public_list_matches_the_decorator(app):
    with app.test_request_context():
        for endpoint in PUBLIC:
            assert is_public(endpoint), endpoint


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_every_route_as_anonymous(app, client, passphrase, method):
    for rule in app.url_map.iter_rules():
        response = client.open(concrete(rule), method=method)
        allowed = method in PUBLIC[rule.endpoint] and method in rule.methods
        if allowed:
            assert response.status_code not in (403, 405, 500), (rule.rule, method)
        else:
            assert response.status_code in (403, 404, 405), (rule.rule, method, response.status_code)


def test_a_route_without_rule_is_refused(database_url):
    from tests.conftest import make_app

    app = make_app(database_url)

    @app.get("/forgotten")
    def forgotten():
        return "ForgottenRouteContentZq"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "ForgottenRouteContentZq" not in response.get_data(as_text=True)
    app.extensions["ugly_mugs.engine"].dispose()
