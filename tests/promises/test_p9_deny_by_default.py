"""Deny by default: every registered route, walked with every method as every role and as an
anonymous visitor, answers exactly as the table below says. A route added without a rule
here makes ``test_every_route_has_a_rule`` fail; a route without an access rule in the code
is refused to everyone.
"""

from __future__ import annotations

import pytest

from tests.support.staff import create, csrf, login

ROLES = ("admin", "coordinator", "outreach", "project_member", "police")
PUBLIC = "public"
ENROLLING = "enrolling"
# Open to no session at all: a project's bearer token is needed (none is sent here, so 401 for everyone).
TOKEN = "token"
# Switched off unless configured (no metrics token in the tests' configuration): 404 for everyone.
OFF = "off"

# endpoint -> {method: who may use it}
RULES: dict[str, dict[str, object]] = {
    "static": {"GET": PUBLIC},
    "health.healthz": {"GET": PUBLIC},
    "health.delivery": {"GET": PUBLIC},
    "health.readyz": {"GET": PUBLIC},
    "reporting.index": {"GET": PUBLIC},
    "reporting.report": {"GET": PUBLIC, "POST": PUBLIC},
    "reporting.quick_report": {"GET": PUBLIC, "POST": PUBLIC},
    "reporting.add_more": {"POST": PUBLIC},
    "reporting.receipt": {"GET": PUBLIC, "POST": PUBLIC},
    "reporting.add_information": {"POST": PUBLIC},
    "reporting.change_consent": {"POST": PUBLIC},
    "reporting.erase": {"POST": PUBLIC},
    "reporting.reply": {"POST": PUBLIC},
    "branding.favicon": {"GET": PUBLIC},
    "api.openapi": {"GET": PUBLIC},
    "api.submit_report": {"POST": PUBLIC},
    "api.receipt_status": {"POST": PUBLIC},
    "api.receipt_consent": {"POST": PUBLIC},
    "api.receipt_add": {"POST": PUBLIC},
    "api.receipt_erase": {"POST": PUBLIC},
    "auth.login": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.logout": {"POST": PUBLIC},
    "auth.enrol": {"GET": ENROLLING, "POST": ENROLLING},
    "auth.invitation": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.home": {"GET": set(ROLES)},
    "auth.change_password": {"GET": set(ROLES), "POST": set(ROLES)},
    "staff.home": {"GET": {"project_member"}},
    "staff.outreach_report": {"GET": {"outreach"}, "POST": {"outreach"}},
    "staff.outreach_reports": {"GET": {"outreach"}},
    "staff.keys": {"GET": {"coordinator", "police"}},
    "staff.approve": {"POST": {"coordinator", "police"}},
    "staff.recover": {"POST": {"coordinator", "police"}},
    "admin.accounts_page": {"GET": {"admin"}, "POST": {"admin"}},
    "admin.account": {"GET": {"admin"}},
    "admin.account_action": {"POST": {"admin"}},
    "admin.reissue_invitation": {"POST": {"admin"}},
    "admin.audit_log": {"GET": {"admin"}},
    "admin.help_page": {"GET": {"admin"}, "POST": {"admin"}},
    "coordinator.reports": {"GET": {"coordinator"}},
    "coordinator.report": {"GET": {"coordinator"}},
    "coordinator.open_report": {"POST": {"coordinator"}},
    "coordinator.photo": {"POST": {"coordinator"}},
    "coordinator.pass_on": {"POST": {"coordinator"}},
    "coordinator.record_consent": {"POST": {"coordinator"}},
    "coordinator.decide_consent": {"POST": {"coordinator"}},
    "coordinator.set_status": {"POST": {"coordinator"}},
    "coordinator.add_note": {"POST": {"coordinator"}},
    "coordinator.send_message": {"POST": {"coordinator"}},
    "coordinator.pass_message_on": {"POST": {"coordinator"}},
    "coordinator.request_erasure": {"POST": {"coordinator"}},
    "coordinator.decide_erasure": {"POST": {"coordinator"}},
    "coordinator.start_alert": {"POST": {"coordinator"}},
    "coordinator.alerts": {"GET": {"coordinator"}},
    "coordinator.alert": {"GET": {"coordinator"}},
    "coordinator.save_alert": {"POST": {"coordinator"}},
    "coordinator.publish_alert": {"POST": {"coordinator"}},
    "coordinator.her_words": {"POST": {"coordinator"}},
    "coordinator.approve_alert": {"POST": {"coordinator"}},
    "coordinator.return_alert": {"POST": {"coordinator"}},
    "coordinator.update_alert": {"POST": {"coordinator"}},
    "coordinator.retract_alert": {"POST": {"coordinator"}},
    "police.reports": {"GET": {"police"}},
    "police.report": {"GET": {"police"}},
    "police.open_report": {"POST": {"police"}},
    "police.export": {"POST": {"police"}},
    "police.photo": {"POST": {"police"}},
    "police.acknowledge": {"POST": {"police"}},
    "police.outcome": {"POST": {"police"}},
    "stats.dashboard": {"GET": {"coordinator", "admin"}},
    "stats.period_report": {"GET": {"coordinator", "admin"}},
    "stats.period_report_pdf": {"GET": {"coordinator", "admin"}},
    "stats.export_csv": {"GET": {"coordinator", "admin"}},
    "projects.list_projects": {"GET": {"admin", "coordinator"}, "POST": {"admin", "coordinator"}},
    "projects.project": {"GET": {"admin", "coordinator"}},
    "projects.settings": {"POST": {"admin", "coordinator"}},
    "projects.add_member": {"POST": {"admin", "coordinator"}},
    "projects.remove_member": {"POST": {"admin", "coordinator"}},
    "projects.add_channel": {"POST": {"admin", "coordinator"}},
    "projects.channel_action": {"POST": {"admin", "coordinator"}},
    "projects.feed_action": {"POST": {"admin", "coordinator"}},
    "projects.bulletin": {"GET": {"coordinator", "outreach", "project_member"}},
    "projects.bulletin_pdf": {"GET": {"coordinator", "outreach", "project_member"}},
    "deliveries.failed": {"GET": {"admin", "coordinator"}},
    "deliveries.retry": {"POST": {"admin", "coordinator"}},
    "deliveries.retry_many": {"POST": {"admin", "coordinator"}},
    "feeds.atom_feed": {"GET": PUBLIC},
    "feeds.bulletin": {"GET": PUBLIC},
    "feeds.bulletin_pdf": {"GET": PUBLIC},
    "matching.identifier": {"GET": {"coordinator"}},
    "matching.reveal_identifier": {"POST": {"coordinator"}},
    "matching.check_page": {
        "GET": {"outreach", "project_member", "coordinator"},
        "POST": {"outreach", "project_member", "coordinator"},
    },
    "check_api.check_identifier": {"POST": TOKEN},
    "public_check.public_check": {"GET": PUBLIC, "POST": PUBLIC},
    "subscribe.subscribe": {"GET": PUBLIC, "POST": PUBLIC},
    "subscribe.confirm": {"POST": PUBLIC},
    "subscribe.stop": {"GET": PUBLIC, "POST": PUBLIC},
    "subscribe.stop_link": {"GET": PUBLIC, "POST": PUBLIC},
    "subscribe.alert": {"GET": PUBLIC},
    "subscribe_staff.outreach_subscribe": {"GET": {"outreach"}, "POST": {"outreach"}},
    "subscribe_staff.outreach_confirm": {"POST": {"outreach"}},
    "subscribe_staff.counts": {"GET": {"coordinator"}},
    "sms_gateway.reply": {"GET": PUBLIC, "POST": PUBLIC},
    "sms_gateway.delivery_report": {"GET": PUBLIC, "POST": PUBLIC},
    "metrics.scrape": {"GET": OFF},
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Walking these would end the walker's own session; they are tested on their own.
SKIP = {("auth.logout", "POST")}


def concrete(rule) -> str:
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<path:{arg}>", "site.css").replace(f"<int:{arg}>", "999").replace(f"<{arg}>", "unlock")
    return path


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(RULES), "a route was added or removed without updating the access table"


@pytest.fixture
def clients(app, passphrase, clock):
    """One logged-in client per role, plus an anonymous one."""
    result = {"anonymous": app.test_client()}
    for role in ROLES:
        user = create(app, f"{role.replace('_', '')}user", role, project="Basis" if role == "outreach" else None)
        client = app.test_client()
        assert login(client, user).status_code == 302, role
        result[role] = client
    return result


def expectation(rule, method: str, who: str) -> str:
    if method not in rule.methods:
        return "405"
    allowed = RULES[rule.endpoint].get(method)
    if allowed is None:
        return "405"
    if allowed == PUBLIC:
        return "allowed"
    if allowed == ENROLLING:
        return "to-login"
    if allowed == TOKEN:
        return "token"
    if allowed == OFF:
        return "off"
    if who == "anonymous":
        return "to-login" if method == "GET" else "refused"
    return "allowed" if who in allowed else "refused"


def test_role_by_route_matrix(app, clients):
    failures = []
    for who, client in clients.items():
        failures += walk(app, client, who)
    assert failures == []


def walk(app, client, who: str) -> list[tuple]:
    token = csrf(client, "/login")
    failures = []
    for rule in app.url_map.iter_rules():
        for method in METHODS:
            if (rule.endpoint, method) in SKIP:
                continue
            expected = expectation(rule, method, who)
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(concrete(rule), method=method, data=data)
            status = response.status_code
            location = response.headers.get("Location", "")
            if expected == "405":
                ok = status == 405
            elif expected == "to-login":
                ok = status == 302 and location.endswith("/login")
            elif expected == "token":
                ok = status == 401
            elif expected == "off":
                ok = status == 404
            elif expected == "refused":
                ok = status in (400, 403)
            else:
                ok = status not in (401, 403, 405, 500) and not (status == 302 and location.endswith("/login"))
            if not ok:
                failures.append((who, rule.rule, method, expected, status))
    return failures


def test_a_route_without_rule_is_refused(database_url):
    from tests.support.app import make_app

    app = make_app(database_url)

    @app.get("/forgotten")
    def forgotten():
        return "ForgottenRouteContentZq"

    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "ForgottenRouteContentZq" not in response.get_data(as_text=True)
    app.extensions["ugly_mugs.engine"].dispose()
