"""Nothing from the reporter's side of a report reaches an alert (P3), whatever she wrote.

Hypothesis fills every field that is not alert material – the identity section (name, contact,
exact place, exact time) and a later addition to the contact – with canary values: names, phone
numbers, emails, streets and times. Each report is filed through the API, the draft is composed
from it exactly as the coordinator page does, and published through the real service (which runs
the anonymity check). No canary appears in the draft, nor in the published message's title, body
or areas, nor in what any channel makes of the message: the email (text and HTML), the webhook's
JSON, the Atom feed and the printable sheet's PDF.
"""

from __future__ import annotations

import io
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from alerts.authoring import compose, publish
from alerts.delivery import feed, render, sheet
from alerts.delivery.bulletins import AreaGroup
from alerts.delivery.channels import email as email_channel
from alerts.delivery.channels import webhook
from alerts.delivery.wording import wording
from tests.support.reading import scheme_pair
from tests.support.staff import create
from ugly_mugs.coordinator import casework
from ugly_mugs.models import Account, Area, Report
from ugly_mugs.reports import receipts

STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
word = st.from_regex(r"[A-Z][a-z]{3,7}", fullmatch=True).map(lambda w: "Qz" + w)
phone = st.integers(0, 999).map(lambda n: f"0113 496 {n:04d}")
email = st.tuples(word, word).map(lambda p: f"{p[0].lower()}@{p[1].lower()}.example")
street = st.tuples(st.integers(1, 300), word).map(lambda p: f"{p[0]} {p[1]} Street")
clock_time = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda p: f"{p[0]:02d}:{p[1]:02d}")

canaries = st.fixed_dictionaries(
    {
        "reporter_name": st.tuples(word, word).map(" ".join),
        "phone": phone,
        "email": email,
        "place": street,
        "incident_time": clock_time,
        "later_contact": st.tuples(phone, email).map(" or ".join),
    }
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=canaries)
def test_no_identity_value_reaches_a_draft_or_a_published_message(app, passphrase, db_session, values):
    if not hasattr(app, "_canary_pair"):
        app._canary_pair = scheme_pair(db_session, passphrase)
        app._canary_user = create(app, "canary.coordinator", "coordinator")
    pair = app._canary_pair
    body = {
        "incident_date": "2026-11-20",
        "incident_time": values["incident_time"],
        "part_of_day": "evening",
        "area": "holbeck",
        "place": values["place"],
        "categories": ["robbery"],
        "what_happened": "He took the money back and drove off.",
        "reporter_name": values["reporter_name"],
        "contact": f"{values['phone']}, {values['email']}",
        "phone_numbers": "07700 900999",
        "vehicle_make": "Vauxhall",
        "consent_level": "alert_only",
    }
    response = app.test_client().post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    filed = response.get_json()
    db_session.expire_all()
    report = db_session.scalar(select(Report).where(Report.reference == filed["reference"]))
    later = {"identity": {"contact": values["later_contact"]}}
    receipts.add_information(db_session, report, filed["receipt_code"], later)
    db_session.commit()

    coordinator = db_session.get(Account, app._canary_user.id)
    opened = casework.read_report(db_session, report, coordinator, pair, "alert")
    assert values["reporter_name"] in str(opened.sections["identity"])  # the canaries are really in the report
    area = db_session.scalar(select(Area).where(Area.id == report.area_id))
    draft = compose.prefill(
        opened.sections.get("incident", []),
        opened.sections.get("perpetrator", []),
        area_code=area.code,
        area_name=area.name,
        incident_week=report.incident_week,
        category_labels={c.code: c.label for c in app.config["CATEGORIES"]},
    )
    alert = compose.create(db_session, report, coordinator, draft)
    message = publish.publish(db_session, alert, coordinator, pair, region="GB")
    db_session.commit()

    needles = [values[k] for k in ("reporter_name", "phone", "email", "place", "incident_time", "later_contact")]
    needles += values["reporter_name"].split() + [values["place"].split(" ", 1)[1], date(2026, 11, 20).isoformat()]
    stored = compose.open_draft(db_session, alert, pair)
    published = render.Published.of(message, alert.reference)
    w = wording("en")
    mail = email_channel.build("drop-in@project.example", published, w, email_channel.Sender("bulletin@scheme.example"))
    pdf = sheet.sheet_pdf("Project", [AreaGroup(area.name, [published])], w, date(2026, 11, 23))
    channels = {
        "email text": mail.get_body(("plain",)).get_content(),
        "email html": mail.get_body(("html",)).get_content(),
        "webhook json": webhook.encode(render.as_json(published, w)).decode("utf-8"),
        "atom feed": feed.atom(
            "urn:x", "Feed", "https://scheme.example/feed", [published], w, message.published_at
        ).decode("utf-8"),
        "sheet pdf": "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages),
    }
    assert "07700 900999" in channels["email text"] and "07700 900999" in channels["sheet pdf"]
    # The feed and the webhook carry machine timestamps of publication, which may hold any hh:mm.
    channels = {where: STAMP.sub("<stamp>", text) for where, text in channels.items()}
    for needle in needles:
        for where, text in {
            "draft title": stored.title,
            "draft body": stored.body,
            "message title": message.title,
            "message body": message.body,
            "message areas": message.areas,
            **channels,
        }.items():
            assert needle not in text, (needle, where)
    assert message.kind == "alert" and "07700 900999" in message.body
