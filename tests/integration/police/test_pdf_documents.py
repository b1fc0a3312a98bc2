"""Every PDF the scheme makes, with the longest answer the form takes and every script of its
languages: the police export, the monitoring period report and the printable alert sheet.

Proves, reading each document back with poppler's pdftotext: a police export of a report whose
"what happened" is the form's maximum (10,000 characters) is a PDF over several pages holding
every word in order (it was a 500: one table row taller than a page); Bulgarian, Romanian ș and
ț, Polish ł and Portuguese text comes out as text (not boxes) in the police export, in the
monitoring report (from configured area and category names) and in the alert sheet of a project
in each language; and each of them uses only the embedded DejaVu Sans.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from config import Choice
from tests.support.alerting import make_project, publish_message
from tests.support.app import make_app, minimal_report
from tests.support.pdftext import fonts, pages, pdftotext
from tests.support.staff import csrf, signed_in
from ugly_mugs import pdf
from ugly_mugs.keys import keystore
from ugly_mugs.models import PoliceRelease
from ugly_mugs.projects import service
from ugly_mugs.reports import fields
from ugly_mugs.web import access

SCRIPTS = {
    "bg": "Нападателят караше черна кола",
    "ro": "Șoferul țipa în mașină",
    "pl": "Łódź, żółta łódka",
    "pt_BR": "Ele não pagou, coração",
}
DEJAVU = {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}


def _longest_story() -> str:
    words, size = [], 0
    while True:
        word = f"w{len(words):04d}"
        if size + len(word) + 1 > fields.LONG:
            break
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def _export_pdf(app, passphrase, db_session, **answers) -> bytes:
    reporter = app.test_client()
    body = minimal_report(consent_level="full", **answers)
    filed = reporter.post("/api/v1/reports", json=body)
    assert filed.status_code == 201, filed.get_json()
    reference = filed.get_json()["reference"]
    coordinator, _ = signed_in(app, passphrase, "pdfcoordinator", "coordinator")
    token = csrf(coordinator, f"/coordinator/reports/{reference}")
    assert coordinator.post(f"/coordinator/reports/{reference}/pass", data={"csrf_token": token}).status_code == 302
    police, _ = signed_in(app, passphrase, "pdfofficer", "police")
    item = db_session.scalar(select(PoliceRelease))
    token = csrf(police, f"/police/reports/{item.id}")
    response = police.post(
        f"/police/reports/{item.id}/export.pdf", data={"reason": "investigation", "csrf_token": token}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.get_data()


def test_the_longest_what_happened_exports_over_pages(app, passphrase, db_session, clock):
    story = _longest_story()
    assert len(story) <= fields.LONG and len(story) > fields.LONG - 6
    data = _export_pdf(app, passphrase, db_session, what_happened=story)
    assert pages(data) >= 2
    text = pdftotext(data)
    positions = [text.find(word) for word in story.split()]
    assert -1 not in positions and positions == sorted(positions)
    assert fonts(data) <= DEJAVU


def test_the_export_prints_every_script(app, passphrase, db_session, clock):
    data = _export_pdf(
        app,
        passphrase,
        db_session,
        what_happened=SCRIPTS["bg"],
        name_used=SCRIPTS["ro"],
        where_met=SCRIPTS["pl"],
        contact=SCRIPTS["pt_BR"],
    )
    text = pdftotext(data)
    for language, words in SCRIPTS.items():
        assert words in text, language
    assert fonts(data) <= DEJAVU


def test_the_monitoring_report_prints_configured_names_in_every_script(database_url, clock):
    areas = tuple(Choice(code, name) for code, name in zip(("bg", "ro", "pl", "pt"), SCRIPTS.values(), strict=True))
    categories = (Choice("threats", "Заплахи и сплашване"), Choice("other", "Inne, źle"))
    app = make_app(database_url, AREAS=areas, CATEGORIES=categories, POLICE_UNITS=())
    try:
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            passphrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
            session.commit()
        client = app.test_client()
        for area in ("bg", "ro", "pl", "pt"):
            for _ in range(6):
                body = minimal_report(
                    area=area, incident_date=(date.today() - timedelta(days=1)).isoformat(), categories=["threats"]
                )
                assert client.post("/api/v1/reports", json=body).status_code == 201
        admin, _ = signed_in(app, passphrase, "pdfadmin", "admin", granted=False)
        response = admin.get(f"/stats/report.pdf?kind=year&start={date.today().isoformat()}")
        assert response.status_code == 200
        text = pdftotext(response.get_data())
        for words in (*SCRIPTS.values(), "Заплахи и сплашване"):
            assert words in text, words
        assert fonts(response.get_data()) <= DEJAVU
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


@pytest.mark.parametrize("language", ["bg", "ro", "pl", "pt_BR"])
def test_the_alert_sheet_prints_every_language(client, db_session, passphrase, language):
    project = make_project(db_session, f"Proiect {language} ș ł Ц", areas=["holbeck"], language=language)
    token = service.new_feed_token(db_session, project, None)
    db_session.commit()
    publish_message(db_session, ["holbeck"], SCRIPTS[language], f"{SCRIPTS[language]}. " * 3)
    response = client.get(f"/bulletin.pdf?token={token}")
    assert response.status_code == 200
    text = pdftotext(response.get_data())
    assert SCRIPTS[language] in text and f"Proiect {language} ș ł Ц" in text
    reminder = service.wording(language).no_warning_means_safe
    assert " ".join(reminder.split()) in text
    assert fonts(response.get_data()) <= DEJAVU


def test_a_pdf_without_its_font_is_a_503_and_the_log_names_the_package(database_url, caplog):
    app = make_app(database_url)

    @app.get("/font-test")
    @access.public
    def font_test():
        pdf.font_file("DejaVuSans", ())

    try:
        response = app.test_client().get("/font-test")
        assert response.status_code == 503
        assert "cannot be made" in response.get_data(as_text=True)
        assert "fonts-dejavu-core" in caplog.text
    finally:
        app.extensions["ugly_mugs.engine"].dispose()
