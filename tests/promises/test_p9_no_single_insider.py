"""P9 No single insider (issue 17): an admin cannot take over a coordinator's account and read
reports, through the real pages with CSRF on.

The admin makes the coordinator an invitation and never sees a password; the coordinator sets
their own password, enrols their own authenticator and is given the scheme key by a colleague
who holds it (approval waits, clearly, until the invitation is accepted). Then the admin tries
the takeover both ways:

- resets the coordinator's two-factor: the admin knows no password to log in with, and the
  coordinator's copy of the scheme key is gone (still invited) and their sessions ended;
- re-issues the invitation (a password reset), opens the link themselves, sets a password and
  enrols their own authenticator: they are logged in as the coordinator, and hold no key.

Each time the admin, trying every route a coordinator has (with the report's reference, its
identifiers' digests and every key membership), opens no report: no canary of the report is in
any answer, and no answer is a server error. The coordinator reads again only after a current
key holder approves again, and every step is in the audit log.
"""

from __future__ import annotations

import html
import itertools

from sqlalchemy import select

from tests.support.erasure import file
from tests.support.staff import (
    PASSWORD,
    StaffUser,
    accept_invitation,
    code_for,
    create,
    csrf,
    grant,
    invitation_link,
    login,
)
from ugly_mugs.models import Account, AuditEntry, GroupMembership, IdentifierIndex, Report
from ugly_mugs.web import access

READ = {"reason": "triage", "csrf_token": ""}
ADMIN_PASSWORD = "the admin's own password, long"


def _db(app):
    return app.extensions["ugly_mugs.sessionmaker"]()


def _argument_values(app, reference: str) -> dict[str, list[str]]:
    """What each URL argument of a coordinator route is tried with: the report's reference, its
    identifiers' kinds and digests, every key membership, and a few small ids."""
    with _db(app) as db:
        report_id = db.scalar(select(Report.id).where(Report.reference == reference))
        identifiers = db.execute(
            select(IdentifierIndex.kind, IdentifierIndex.digest).where(IdentifierIndex.report_id == report_id)
        ).all()
        memberships = [str(i) for i in db.scalars(select(GroupMembership.id))]
    return {
        "reference": [reference],
        "kind+digest": [f"{kind}/{digest}" for kind, digest in identifiers] or ["phone/00"],
        "membership_id": memberships or ["1"],
    }


def _paths(rule, values: dict[str, list[str]]) -> list[str]:
    if "kind" in rule.arguments and "digest" in rule.arguments:
        return [rule.rule.replace("<kind>/<digest>", pair) for pair in values["kind+digest"]]
    options = []
    for arg in sorted(rule.arguments):
        options.append([(arg, v) for v in values.get(arg, ["1"])])
    paths = []
    for chosen in itertools.product(*options):
        path = rule.rule
        for arg, value in chosen:
            path = path.replace(f"<int:{arg}>", value).replace(f"<{arg}>", value)
        paths.append(path)
    return paths


def try_every_coordinator_route(app, client, reference: str, canaries: list[str]) -> list[tuple[str, str, int]]:
    """Open every route a coordinator may use, GET and POST (CSRF token and a reason for reading);
    returns those whose answer holds a canary or is a server error."""
    token = csrf(client, "/login")
    values = _argument_values(app, reference)
    found = []
    with app.test_request_context():
        rules = [r for r in app.url_map.iter_rules() if "coordinator" in (access.allowed_roles(r.endpoint) or ())]
    assert any(r.endpoint == "coordinator.open_report" for r in rules)
    for rule in rules:
        for method in sorted(rule.methods & {"GET", "POST"}):
            for path in _paths(rule, values):
                data = {**READ, "csrf_token": token} if method == "POST" else None
                response = client.open(path, method=method, data=data)
                body = response.get_data()  # bytes: some answers are PDFs
                if response.status_code >= 500 or any(c.encode() in body for c in canaries):
                    found.append((method, path, response.status_code))
    return found


def open_report(client, reference: str):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(f"/coordinator/reports/{reference}/open", data={**READ, "csrf_token": token})


def reads(response, canaries: list[str]) -> bool:
    return response.status_code == 200 and any(c in response.get_data(as_text=True) for c in canaries)


def admin_post(admin_client, path: str):
    return admin_client.post(path, data={"csrf_token": csrf(admin_client, "/admin/accounts")})


def membership_of(app, account_id: int) -> GroupMembership:
    with _db(app) as db:
        member = db.scalar(select(GroupMembership).where(GroupMembership.account_id == account_id))
        db.expunge_all()
    return member


def approve(holder_client, member_id: int):
    token = csrf(holder_client, "/staff/keys")
    return holder_client.post(f"/staff/keys/{member_id}/approve", data={"csrf_token": token})


def actions_about(app, account_id: int) -> list[str]:
    with _db(app) as db:
        return list(
            db.scalars(
                select(AuditEntry.action).where(AuditEntry.subject_account_id == account_id).order_by(AuditEntry.id)
            )
        )


def test_an_admin_cannot_take_over_a_coordinator_and_read_reports(app, passphrase, clock):
    filed = file(app.test_client(), "Insider")
    canaries = [v for v in filed.canaries.values() if "Canary" in v]
    reference = filed.reference

    admin = create(app, "ada", "admin")
    holder = create(app, "ann", "coordinator")
    grant(app, holder, passphrase)
    admin_client, holder_client = app.test_client(), app.test_client()
    assert login(admin_client, admin).status_code == 302
    assert login(holder_client, holder).status_code == 302
    assert reads(open_report(holder_client, reference), canaries), "the holder reads"

    # 1. The admin creates the coordinator as an invitation, and invites them to the scheme key.
    data = {"username": "nina", "display_name": "Nina", "role": "coordinator", "police_unit": "", "project": ""}
    response = admin_client.post("/admin/accounts", data={**data, "csrf_token": csrf(admin_client, "/admin/accounts")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "password:" not in page.lower()
    first_link = invitation_link(page)
    with _db(app) as db:
        nina_id = db.scalar(select(Account.id).where(Account.username == "nina"))
    assert admin_post(admin_client, f"/admin/accounts/{nina_id}/invite").status_code == 302
    member = membership_of(app, nina_id)

    # Before acceptance there is no key to seal to: the holder is told it waits, and approval is refused.
    assert "waits until they have accepted their invitation" in holder_client.get("/staff/keys").get_data(as_text=True)
    refused = approve(holder_client, member.id)
    assert refused.status_code == 409 and "has not accepted their invitation yet" in refused.get_data(as_text=True)
    assert membership_of(app, nina_id).sealed is None

    # 2. The coordinator accepts, sets their password and enrols their authenticator; the holder approves.
    nina_client = app.test_client()
    response, nina_secret = accept_invitation(nina_client, first_link)
    assert response.status_code == 302
    assert approve(holder_client, member.id).status_code == 302
    assert reads(open_report(nina_client, reference), canaries), "the coordinator reads"
    nina = StaffUser(nina_id, "nina", "coordinator", PASSWORD, nina_secret)

    # 3a. The admin resets the coordinator's two-factor.
    assert admin_post(admin_client, f"/admin/accounts/{nina_id}/reset-two-factor").status_code == 302
    assert membership_of(app, nina_id).sealed is None, "the copy of the scheme key was not withdrawn"
    assert nina_client.get("/coordinator/reports").status_code == 302, "the coordinator's session did not end"
    # Every route a coordinator has, with the admin's own session: nothing.
    assert try_every_coordinator_route(app, admin_client, reference, canaries) == []
    # The admin knows no password of the coordinator's: the old link and every secret they saw fail.
    assert app.test_client().get(first_link).status_code == 404
    intruder = app.test_client()
    for guess in (first_link.split("token=")[1], ADMIN_PASSWORD, PASSWORD[::-1]):
        attempt = login(intruder, StaffUser(nina_id, "nina", "coordinator", guess, "A" * 32))
        assert attempt.status_code == 401
    # The coordinator logs in with their own password and enrols a new authenticator: no key yet.
    clock.shift(30)
    nina_client = app.test_client()
    token = csrf(nina_client, "/login")
    response = nina_client.post(
        "/login", data={"username": "nina", "password": PASSWORD, "code": "", "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/login/enrol")
    enrol_page = nina_client.get("/login/enrol").get_data(as_text=True)
    new_secret = enrol_page.split('id="totp-secret">')[1].split("<")[0]
    assert new_secret != nina_secret
    response = nina_client.post(
        "/login/enrol", data={"code": code_for(new_secret), "csrf_token": csrf(nina_client, "/login/enrol")}
    )
    assert response.status_code == 302
    refused = open_report(nina_client, reference)
    assert refused.status_code == 403 and not any(c in refused.get_data(as_text=True) for c in canaries)
    # Only a current key holder's approval gives the key back.
    assert approve(holder_client, membership_of(app, nina_id).id).status_code == 302
    assert reads(open_report(nina_client, reference), canaries), "re-approved, reads again"

    # 3b. The admin resets the coordinator's password (a new invitation) and uses the link themselves.
    response = admin_post(admin_client, f"/admin/accounts/{nina_id}/invitation")
    assert response.status_code == 200
    takeover_link = invitation_link(response.get_data(as_text=True))
    assert membership_of(app, nina_id).sealed is None, "the copy of the scheme key was not withdrawn"
    assert nina_client.get("/coordinator/reports").status_code == 302, "the coordinator's session did not end"
    clock.shift(30)
    as_nina = app.test_client()
    response, _ = accept_invitation(as_nina, takeover_link, ADMIN_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")
    # Logged in as the coordinator, with their own authenticator, trying everything: nothing opens.
    assert try_every_coordinator_route(app, as_nina, reference, canaries) == []
    assert try_every_coordinator_route(app, admin_client, reference, canaries) == []
    assert membership_of(app, nina_id).sealed is None, "the account gave itself the key"
    # The key holder asked to approve sees who reset the account and is told to confirm with the
    # person themselves first: the admin's acceptance is not passed off as the coordinator's.
    keys_page = html.unescape(holder_client.get("/staff/keys").get_data(as_text=True))
    assert "password reset (keys taken away) by ada" in keys_page
    assert "confirm with them yourself" in keys_page
    # The coordinator's old password opens nothing any more.
    clock.shift(30)
    assert login(app.test_client(), nina).status_code == 401

    # The real coordinator gets a new link; only after re-approval do they read again.
    response = admin_post(admin_client, f"/admin/accounts/{nina_id}/invitation")
    clock.shift(30)
    nina_client = app.test_client()
    response, _ = accept_invitation(nina_client, invitation_link(response.get_data(as_text=True)))
    assert response.status_code == 302
    assert as_nina.get("/coordinator/reports").status_code == 302, "the admin's session as her did not end"
    assert open_report(nina_client, reference).status_code == 403
    assert approve(holder_client, membership_of(app, nina_id).id).status_code == 302
    assert reads(open_report(nina_client, reference), canaries)

    # The walk does find a read when there is one (a key holder's session): it is not blind.
    assert any(
        path.endswith("/open") for _, path, _ in try_every_coordinator_route(app, holder_client, reference, canaries)
    )

    # Every step is audited, in order.
    actions = actions_about(app, nina_id)
    expected = [
        "account_created",
        "invitation_created",
        "group_invited",
        "invitation_accepted",
        "group_approved",
        "group_key_withdrawn",
        "two_factor_reset",
        "group_approved",
        "group_key_withdrawn",
        "password_reset",
        "invitation_created",
        "invitation_accepted",
        "invitation_created",
        "invitation_accepted",
        "group_approved",
    ]
    it = iter(actions)
    assert all(step in it for step in expected), actions
