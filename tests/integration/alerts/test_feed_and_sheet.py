"""The Atom feed at a secret-token URL and the printable sheet (HTML and PDF): only the project's
areas, only published message fields, in the project's language, with the safety reminder; an
updated alert stands on the sheet with its original description of him and the update below it."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.alerting import make_project, publish_message
from tests.support.staff import create, login
from ugly_mugs.models import Alert, Project
from ugly_mugs.projects import service

ATOM = "{http://www.w3.org/2005/Atom}"
REMINDER = "No warning does not mean safe."
REMINDER_RO = "Lipsa unui avertisment nu înseamnă că ești în siguranță."


@pytest.fixture
def published(app, db_session, passphrase):
    """Basis covers Holbeck (English), Casa covers Holbeck in Romanian, Far covers Harehills."""
    basis = make_project(db_session, "Basis", areas=["holbeck"])
    casa = make_project(db_session, "Casa", areas=["holbeck"], language="ro")
    far = make_project(db_session, "Far", areas=["harehills"])
    tokens = {p.name: service.new_feed_token(db_session, p, None) for p in (basis, casa, far)}
    db_session.commit()
    first = publish_message(
        db_session, ["holbeck"], "Silver Astra driver", "Offers a lift, then threatens.", severity="urgent"
    )
    alert = db_session.get(Alert, first.alert_id)
    update = publish_message(
        db_session,
        ["holbeck"],
        "Silver Astra driver",
        "Now also seen by the canal.",
        kind="update",
        alert=alert,
        severity="urgent",
    )
    gone = publish_message(db_session, ["holbeck"], "Man with a dog", "Follows women home.")
    retraction = publish_message(
        db_session,
        ["holbeck"],
        "Man with a dog",
        "This was a mistake.",
        kind="retraction",
        alert=db_session.get(Alert, gone.alert_id),
    )
    other = publish_message(db_session, ["harehills"], "Blue van", "Refused to pay.")
    return {
        "tokens": tokens,
        "first": first,
        "update": update,
        "gone": gone,
        "retraction": retraction,
        "other": other,
        "projects": {"Basis": basis.id, "Casa": casa.id, "Far": far.id},
    }


def test_feed_is_valid_atom_with_the_projects_areas_only(client, published):
    response = client.get(f"/feed?token={published['tokens']['Basis']}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers.get("ETag")
    root = ET.fromstring(response.data)  # noqa: S314 - our own feed
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}subtitle").text == REMINDER
    entries = root.findall(f"{ATOM}entry")
    ids = {e.find(f"{ATOM}id").text for e in entries}
    expected = {published[k].message_id for k in ("first", "update", "gone", "retraction")}
    assert ids == {f"urn:ugly-mugs:message:{m}" for m in expected}
    text = response.get_data(as_text=True)
    assert "Blue van" not in text
    assert "Now also seen by the canal." in text
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert "Urgent – Update: Silver Astra driver" in titles
    assert "Warning – Withdrawn: Man with a dog" in titles
    for entry in entries:
        assert entry.find(f"{ATOM}updated").text.endswith("Z")
        assert REMINDER in entry.find(f"{ATOM}content").text
    # A reader asking again with the ETag gets 304.
    again = client.get(
        f"/feed?token={published['tokens']['Basis']}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_other_projects_feed_has_its_own_areas(client, published):
    text = client.get(f"/feed?token={published['tokens']['Far']}").get_data(as_text=True)
    assert "Blue van" in text and "Silver Astra" not in text


@pytest.mark.parametrize("query", ["", "?token=", "?token=nope", "?token=" + "x" * 43, "?token=" + "x" * 500])
def test_unknown_token_is_404_without_cookie(client, published, query):
    for path in ("/feed", "/bulletin", "/bulletin.pdf"):
        response = client.get(path + query)
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers


def test_inactive_project_feed_is_404(client, db_session, published):
    project = db_session.get(Project, published["projects"]["Basis"])
    project.active = False
    db_session.commit()
    assert client.get(f"/feed?token={published['tokens']['Basis']}").status_code == 404


def test_printable_sheet_by_token_shows_current_alerts(client, published):
    response = client.get(f"/bulletin?token={published['tokens']['Basis']}")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert "Area: Holbeck" in page
    # An updated alert keeps its original description, with the update, dated, below it.
    original, update = page.index("Offers a lift, then threatens."), page.index("Now also seen by the canal.")
    assert original < page.index("Update – ") < update
    assert page.count("Offers a lift, then threatens.") == 1
    assert "Man with a dog" not in page  # retracted
    assert "Blue van" not in page
    assert page.count(REMINDER) == 2
    assert "bulletin.css" in page


def test_printable_pdf_by_token(client, published):
    response = client.get(f"/bulletin.pdf?token={published['tokens']['Basis']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    assert text.index("Offers a lift, then threatens.") < text.index("Update – ") < text.index("Now also seen by")
    assert "Silver Astra driver" in text
    assert REMINDER in text
    assert "Blue van" not in text and "Man with a dog" not in text


def test_romanian_project_gets_a_romanian_sheet_feed_and_pdf(client, published):
    token = published["tokens"]["Casa"]
    page = client.get(f"/bulletin?token={token}").get_data(as_text=True)
    assert '<html lang="ro">' in page
    assert REMINDER_RO in page and REMINDER not in page
    assert "Zona: Holbeck" in page and "Avertismente pentru Casa" in page
    feed = client.get(f"/feed?token={token}").get_data(as_text=True)
    assert REMINDER_RO in feed and "Urgent – Actualizare: Silver Astra driver" in feed
    pdf = client.get(f"/bulletin.pdf?token={token}").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert REMINDER_RO in text


def test_sheet_for_project_staff_and_coordinators(app, client, db_session, published, clock):
    casa_worker = create(app, "walker", "outreach", project="Casa")
    basis_member = create(app, "member", "project_member", project="Basis")
    coordinator = create(app, "coord", "coordinator")
    basis, casa = published["projects"]["Basis"], published["projects"]["Casa"]
    worker_client = app.test_client()
    login(worker_client, casa_worker)
    assert REMINDER_RO in worker_client.get(f"/projects/{casa}/bulletin").get_data(as_text=True)
    assert worker_client.get(f"/projects/{basis}/bulletin").status_code == 404
    assert worker_client.get(f"/projects/{basis}/bulletin.pdf").status_code == 404
    member_client = app.test_client()
    login(member_client, basis_member)
    assert member_client.get(f"/projects/{basis}/bulletin.pdf").status_code == 200
    assert "Alert sheet" in member_client.get("/staff/home").get_data(as_text=True)
    coordinator_client = app.test_client()
    login(coordinator_client, coordinator)
    for project_id in (basis, casa):
        assert coordinator_client.get(f"/projects/{project_id}/bulletin").status_code == 200


def test_empty_sheet_says_so(client, db_session, passphrase):
    project = make_project(db_session, "Quiet", areas=["chapeltown"])
    token = service.new_feed_token(db_session, project, None)
    db_session.commit()
    page = client.get(f"/bulletin?token={token}").get_data(as_text=True)
    assert "There are no current warnings for your areas." in page and REMINDER in page
    root = ET.fromstring(client.get(f"/feed?token={token}").data)  # noqa: S314 - our own feed
    assert root.findall(f"{ATOM}entry") == []
    assert db_session.scalar(select(Project.id).where(Project.name == "Quiet"))
