"""Projects pages: admins and coordinators create projects, choose areas and language, assign
members, add and switch off channels, make a feed token; bad input gets a message, never a 500;
every change is audited without its secrets."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.support.alerting import channel_secret
from tests.support.staff import create, csrf, login
from ugly_mugs.models import Account, Area, AuditEntry, Project, ProjectArea, ProjectChannel
from ugly_mugs.projects import service


@pytest.fixture
def manager(app, passphrase, clock):
    user = create(app, "coord", "coordinator")
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def new_project(client, name="Basis") -> int:
    response = client.post("/projects", data={"name": name, "csrf_token": csrf(client, "/projects")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def audit_details(db_session) -> str:
    return json.dumps([(e.action, e.detail) for e in db_session.scalars(select(AuditEntry))])


def test_admin_creates_a_project_and_it_is_listed(app, passphrase, clock, db_session):
    user = create(app, "root", "admin")
    client = app.test_client()
    login(client, user)
    project_id = new_project(client, "Genesis")
    page = client.get("/projects").get_data(as_text=True)
    assert "Genesis" in page and f"/projects/{project_id}" in page
    assert "project_created" in audit_details(db_session)


def test_duplicate_and_blank_names_are_explained(manager):
    new_project(manager, "Basis")
    token = csrf(manager, "/projects")
    response = manager.post("/projects", data={"name": "Basis", "csrf_token": token})
    assert response.status_code == 400 and "A project with that name exists." in response.get_data(as_text=True)
    response = manager.post("/projects", data={"name": "   ", "csrf_token": token})
    assert response.status_code == 400 and "Enter the project" in response.get_data(as_text=True)
    response = manager.post("/projects", data={"name": "x" * 300, "csrf_token": token})
    assert response.status_code == 400


def test_settings_areas_language_and_active(manager, db_session):
    project_id = new_project(manager)
    holbeck, harehills = (db_session.scalar(select(Area.id).where(Area.code == c)) for c in ("holbeck", "harehills"))
    token = csrf(manager, f"/projects/{project_id}")
    response = manager.post(
        f"/projects/{project_id}/settings",
        data={"name": "Basis Yorkshire", "language": "ro", "areas": [holbeck, harehills], "csrf_token": token},
    )
    assert response.status_code == 302
    project = db_session.get(Project, project_id)
    db_session.refresh(project)
    assert (project.name, project.language, project.active) == ("Basis Yorkshire", "ro", False)
    assert set(db_session.scalars(select(ProjectArea.area_id))) == {holbeck, harehills}
    page = manager.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "(switched off)" in page
    response = manager.post(
        f"/projects/{project_id}/settings",
        data={"name": "Basis", "language": "en", "active": "y", "areas": [holbeck], "csrf_token": token},
    )
    assert response.status_code == 302
    assert set(db_session.scalars(select(ProjectArea.area_id))) == {holbeck}
    assert "project_updated" in audit_details(db_session)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "language": "en"},
        {"name": "Basis", "language": "xx"},
        {"name": "Basis", "language": "en", "areas": ["999"]},
        {"name": "Basis", "language": "en", "areas": ["not a number"]},
    ],
)
def test_bad_settings_are_refused_with_a_message(manager, db_session, data):
    project_id = new_project(manager)
    response = manager.post(
        f"/projects/{project_id}/settings", data={**data, "csrf_token": csrf(manager, f"/projects/{project_id}")}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert db_session.get(Project, project_id).name == "Basis"


def test_members_are_shown_assigned_and_removed(app, manager, db_session):
    project_id = new_project(manager)
    worker = create(app, "walker", "outreach")
    officer = create(app, "copper", "police")
    page = manager.get(f"/projects/{project_id}").get_data(as_text=True)
    assert "walker (Outreach worker)" in page and "copper" not in page
    token = csrf(manager, f"/projects/{project_id}")
    assert (
        manager.post(
            f"/projects/{project_id}/members", data={"account": str(worker.id), "csrf_token": token}
        ).status_code
        == 302
    )
    assert db_session.get(Account, worker.id).project_id == project_id
    # A police account is not offered, and posting it anyway is refused with a message.
    response = manager.post(f"/projects/{project_id}/members", data={"account": str(officer.id), "csrf_token": token})
    assert response.status_code == 400
    response = manager.post(
        f"/projects/{project_id}/members/{worker.id}/remove", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Account, worker.id).project_id is None
    assert (
        manager.post(f"/projects/{project_id}/members/{worker.id}/remove", data={"csrf_token": token}).status_code
        == 404
    )
    assert "project_member_removed" in audit_details(db_session)


def test_email_channels_are_validated_added_and_switched_off(manager, db_session):
    project_id = new_project(manager)
    token = csrf(manager, f"/projects/{project_id}")
    for bad in ("", "no-at-sign", "a@b", "a b@example.org", "x@-bad-.org", "a@exa mple.org", "a@" + "x" * 300 + ".org"):
        response = manager.post(f"/projects/{project_id}/channels/email", data={"address": bad, "csrf_token": token})
        assert response.status_code == 400, bad
        assert "There is a problem" in response.get_data(as_text=True)
    response = manager.post(
        f"/projects/{project_id}/channels/email", data={"address": " Drop-In@Basis.Example ", "csrf_token": token}
    )
    assert response.status_code == 302
    channel = db_session.scalar(select(ProjectChannel))
    assert (channel.kind, channel.target, channel.active) == ("email", "Drop-In@basis.example", True)
    response = manager.post(
        f"/projects/{project_id}/channels/email", data={"address": "Drop-In@basis.example", "csrf_token": token}
    )
    assert response.status_code == 400 and "already receives" in response.get_data(as_text=True)
    assert (
        manager.post(f"/projects/{project_id}/channels/{channel.id}/off", data={"csrf_token": token}).status_code == 302
    )
    db_session.refresh(channel)
    assert channel.active is False
    assert db_session.scalar(select(ProjectChannel.id)) == channel.id  # switched off, not deleted
    assert (
        manager.post(f"/projects/{project_id}/channels/{channel.id}/on", data={"csrf_token": token}).status_code == 302
    )
    db_session.refresh(channel)
    assert channel.active is True
    assert (
        manager.post(f"/projects/{project_id}/channels/{channel.id}/bogus", data={"csrf_token": token}).status_code
        == 404
    )
    assert "Drop-In" not in audit_details(db_session)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example/x",
        "javascript:alert(1)",
        "https://user:pw@hooks.example/x",
        "https://exa_mple.org/x",
        "https://[::1]/x",
        "https://hooks.example:port/x",
        "https://hooks example/x",
        "https:///nohost",
        "https://hooks.example/x#frag",
    ],
)
def test_bad_webhook_urls_are_refused(manager, url):
    project_id = new_project(manager)
    response = manager.post(
        f"/projects/{project_id}/channels/webhook",
        data={"url": url, "csrf_token": csrf(manager, f"/projects/{project_id}")},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_webhook_secret_is_shown_once_and_not_audited(manager, db_session):
    project_id = new_project(manager)
    token = csrf(manager, f"/projects/{project_id}")
    response = manager.post(
        f"/projects/{project_id}/channels/webhook",
        data={"url": "https://hooks.drop-in.example:8443/hook", "csrf_token": token},
    )
    assert response.status_code == 200
    channel = db_session.scalar(select(ProjectChannel))
    page = response.get_data(as_text=True)
    secret = channel_secret(db_session, channel)
    assert secret.startswith("whsec_") and secret in page
    assert secret not in manager.get(f"/projects/{project_id}").get_data(as_text=True)
    response = manager.post(f"/projects/{project_id}/channels/{channel.id}/new-secret", data={"csrf_token": token})
    renewed = channel_secret(db_session, channel)
    assert renewed != secret and renewed in response.get_data(as_text=True)
    assert secret not in audit_details(db_session) and renewed not in audit_details(db_session)
    assert "drop-in.example" not in audit_details(db_session)


def test_feed_token_is_shown_once_stored_as_digest_and_renewed(manager, db_session):
    project_id = new_project(manager)
    token = csrf(manager, f"/projects/{project_id}")
    response = manager.post(f"/projects/{project_id}/feed/new", data={"csrf_token": token})
    page = response.get_data(as_text=True)
    feed_token = re.search(r"/feed\?token=([A-Za-z0-9_-]+)", page).group(1)
    project = db_session.get(Project, project_id)
    db_session.refresh(project)
    assert project.feed_token_digest == service.feed_digest(feed_token) != feed_token
    assert feed_token not in manager.get(f"/projects/{project_id}").get_data(as_text=True)
    assert manager.get(f"/feed?token={feed_token}").status_code == 200
    page = manager.post(f"/projects/{project_id}/feed/new", data={"csrf_token": token}).get_data(as_text=True)
    renewed = re.search(r"/feed\?token=([A-Za-z0-9_-]+)", page).group(1)
    assert renewed != feed_token
    assert manager.get(f"/feed?token={feed_token}").status_code == 404
    assert manager.get(f"/feed?token={renewed}").status_code == 200
    manager.post(f"/projects/{project_id}/feed/stop", data={"csrf_token": token})
    assert manager.get(f"/feed?token={renewed}").status_code == 404
    assert feed_token not in audit_details(db_session) and renewed not in audit_details(db_session)


def test_unknown_project_is_404(manager):
    assert manager.get("/projects/999").status_code == 404
    token = csrf(manager, "/projects")
    assert manager.post("/projects/999/settings", data={"csrf_token": token}).status_code == 404


def test_outreach_worker_cannot_manage_projects(app, passphrase, clock):
    user = create(app, "walker", "outreach", project="Basis")
    client = app.test_client()
    login(client, user)
    assert client.get("/projects").status_code == 403
