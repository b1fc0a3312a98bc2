"""After *Send update*, every place that shows an alert as it stands still shows the original
description of him, with the update below it: the printable sheet (HTML and PDF, by the feed
token and on the project's page), the staff number check, the public number check and the
check API. Published and updated through the coordinator's pages, as a coordinator would."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from tests.integration.alerts.test_alerts_flow import act, file, publish_form, start_draft
from tests.support.alerting import make_project
from tests.support.app import form_token, make_app
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import Project
from ugly_mugs.projects import service

ORIGINAL = "Tall man, grey Ford, refused to pay and threatened her. Phone 07700 900999."
UPDATE = "Now driving a red Vauxhall."


def _in_order(text: str) -> bool:
    text = " ".join(text.split())
    return ORIGINAL in text and UPDATE in text and text.index(ORIGINAL) < text.index(UPDATE)


def test_an_update_keeps_the_original_description_everywhere(database_url, passphrase, db_session, clock, runner):
    app = make_app(database_url, PUBLIC_CHECK=True)
    try:
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            project = make_project(session, "Basis", areas=["holbeck"])
            token = service.new_feed_token(session, project, None)
            session.commit()
        reference = file(app)
        carla, _ = signed_in(app, passphrase, "carla", "coordinator")
        alert_ref = start_draft(carla, reference)
        assert publish_form(carla, alert_ref, body=ORIGINAL).status_code == 302
        sent = act(carla, alert_ref, "update", title="Now in a red car", body=UPDATE, severity="urgent")
        assert sent.status_code == 302

        client = app.test_client()
        sheet = client.get(f"/bulletin?token={token}").get_data(as_text=True)
        assert _in_order(sheet) and "Update – " in sheet
        pdf = client.get(f"/bulletin.pdf?token={token}").data
        assert _in_order(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
        project_id = db_session.scalar(select(Project.id).where(Project.name == "Basis"))
        own_pdf = carla.get(f"/projects/{project_id}/bulletin.pdf").data
        assert _in_order(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(own_pdf)).pages))

        staff_page = carla.post(
            "/check", data={"csrf_token": csrf(carla, "/check"), "identifier": "07700 900999", "kind": ""}
        ).get_data(as_text=True)
        assert _in_order(staff_page)
        public = client.post(
            "/check-a-number",
            data={"form_token": form_token(client, "/check-a-number"), "identifier": "07700 900999", "kind": ""},
        ).get_data(as_text=True)
        assert _in_order(public)
        result = runner.invoke(args=["matching", "issue-token", "Basis"])
        api_token = re.search(r"(umc_\S+)", result.output).group(1)
        answer = client.post(
            "/api/v1/check", json={"identifier": "07700 900999"}, headers={"Authorization": f"Bearer {api_token}"}
        ).get_json()
        [found] = answer["alerts"]
        assert found["body"] == ORIGINAL
        assert [u["body"] for u in found["updates"]] == [UPDATE] and found["severity"] == "urgent"
    finally:
        app.extensions["ugly_mugs.engine"].dispose()
