"""P3: nothing that leaves the scheme identifies the reporter, by any door.

Hypothesis makes up a reporter (a name in the letters of the five languages, a phone number, an
e-mail address, a street with its house number, a postcode), files her report at "anonymous
intelligence" with all of it in her identity section, and types one of her details into one more
field of the declaration, any field she types into (what happened, his hair, where she met him,
his number plate …). Then every door out is tried, each with one of her details disguised the
ways the guard must see through (case, transliteration, confusables, invisible characters,
possessives, digit look-alikes and spacing, spelled-out e-mails, street abbreviations, postcode
spacing):

* a draft with it is refused at Publish; an update with it and a retraction note with it are
  refused; a covering note with it is refused;
* the draft as prefilled, published unedited, goes out, and so do a clean update and a clean
  covering note;
* none of her details reaches anything that did go out: the published messages as every channel
  renders them (email text and HTML, webhook JSON, Atom feed, printable sheet PDF, SMS), what
  the officer opens below "full report" (the police view and its covering note) and the police
  exports (CSV and PDF), read both for the values as written and by the guard itself.

His own details (his phone number and plate, given in his fields) are never blocked: they are in
the published alert.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from alerts.authoring import compose, publish
from alerts.delivery import feed, render, sheet
from alerts.delivery.bulletins import AreaGroup
from alerts.delivery.channels import email as email_channel
from alerts.delivery.channels import webhook
from alerts.delivery.sms import text as sms_text
from alerts.delivery.wording import wording
from tests.support.disguises import (
    disguised_email,
    disguised_name,
    disguised_phone,
    disguised_postcode,
    disguised_street,
    names,
)
from tests.support.reading import scheme_pair, unit_pair
from tests.support.staff import create
from ugly_mugs import disclosure
from ugly_mugs.coordinator import alert_service, casework
from ugly_mugs.models import Account, AlertMessage, Report
from ugly_mugs.police import portal, release
from ugly_mugs.reports import fields

HIS_PHONE = "07700 900999"
HIS_PLATE = "YX11 ABC"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
# Every field she types into, besides the three that hold her details anyway.
CARRIERS = [
    f.name
    for f in fields.REPORT_FIELDS
    if f.kind in fields.TEXT_KINDS and f.name not in ("reporter_name", "contact", "place")
]

reporters = st.fixed_dictionaries(
    {
        "first": names(),
        "last": names(),
        "phone": st.integers(100_000, 899_999).map(lambda n: f"07700{n}"),
        "email": st.from_regex(r"[a-z]{3,8}\.[a-z]{3,8}", fullmatch=True).map(lambda x: f"{x}@example.org"),
        "street": st.tuples(st.integers(2, 299), st.from_regex(r"[A-Z][a-z]{5,9}", fullmatch=True)),
        "postcode": st.tuples(st.integers(1, 9), st.integers(0, 9), st.sampled_from(["AB", "DX", "QT"])).map(
            lambda p: f"LS{p[0]} {p[1]}{p[2]}"
        ),
    }
)


@st.composite
def disguise(draw, her):
    """One of her details, disguised; and the kind."""
    kind = draw(st.sampled_from(["name", "phone", "email", "street", "postcode"]))
    if kind == "name":
        return draw(disguised_name(draw(st.sampled_from([her["first"], her["last"]])))), kind
    if kind == "phone":
        return draw(disguised_phone(her["phone"][1:])), kind
    if kind == "email":
        local, domain = her["email"].split("@")
        return draw(disguised_email(local, domain)), kind
    if kind == "street":
        return draw(disguised_street(her["street"][0], her["street"][1], "Road")), kind
    return draw(disguised_postcode(her["postcode"])), kind


def raw_values(her) -> list[str]:
    return [
        her["first"],
        her["last"],
        her["phone"],
        her["phone"][1:],
        her["email"],
        her["email"].split("@")[0],
        f"{her['street'][0]} {her['street'][1]}",
        f"{her['street'][1]} Road",
        her["postcode"],
        her["postcode"].replace(" ", ""),
    ]


def _keys(app, db_session, passphrase):
    """The scheme and unit key pairs and the staff, made once per app (Argon2id is slow)."""
    if not hasattr(app, "_every_door"):
        coordinator = create(app, "door.coordinator", "coordinator")
        officer = create(app, "door.officer", "police")
        app._every_door = (scheme_pair(db_session, passphrase), coordinator.id, officer.id)
    return app._every_door


def file(app, her, carrier: str, carried: str) -> dict:
    body = {
        "incident_date": "2026-10-14",
        "area": "holbeck",
        "part_of_day": "night",
        "categories": ["robbery"],
        "consent_level": "anonymous_intel",
        "reporter_name": f"{her['first']} {her['last']}",
        "contact": f"text {her['phone']} or {her['email']}",
        "place": f"{her['street'][0]} {her['street'][1]} Road, {her['postcode']}",
        "what_happened": "He took the money back and drove off.",
        "phone_numbers": HIS_PHONE,
        "vehicle_registration": HIS_PLATE,
        "vehicle_make": "Vauxhall",
    }
    joined = f"{body[carrier]}; also {carried}" if carrier in body else f"seen with {carried} there"
    body[carrier] = joined
    response = app.test_client().post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def channel_outputs(messages: list[AlertMessage], reference: str) -> dict[str, str]:
    w = wording("en")
    published = [render.Published.of(m, reference) for m in messages]
    standing = render.Published(**{**vars(published[-1]), "earlier": tuple(published[:-1])})
    sender = email_channel.Sender("bulletin@scheme.example")
    outputs: dict[str, str] = {}
    for m in published:
        mail = email_channel.build("drop-in@project.example", m, w, sender)
        outputs[f"email text {m.kind}"] = mail.get_body(("plain",)).get_content()
        outputs[f"email html {m.kind}"] = mail.get_body(("html",)).get_content()
        outputs[f"webhook {m.kind}"] = webhook.encode(render.as_json(m, w)).decode("utf-8")
        outputs[f"sms {m.kind}"] = sms_text.render(m, w, "https://scheme.example/a/1").text
    outputs["feed"] = feed.atom("urn:x", "Feed", "https://scheme.example/feed", published, w, messages[-1].published_at)
    outputs["feed"] = outputs["feed"].decode("utf-8")
    pdf = sheet.sheet_pdf("Project", [AreaGroup("Holbeck", [standing])], w, date(2026, 11, 30))
    outputs["sheet pdf"] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # The feed and the webhook carry machine timestamps of publication, which may hold any hh:mm.
    return {where: STAMP.sub("<stamp>", text) for where, text in outputs.items()}


def assert_nothing_of_hers(outputs: dict[str, str], her, profile: disclosure.Profile) -> None:
    for where, text in outputs.items():
        flat = " ".join(text.split()).casefold()
        for value in raw_values(her):
            assert not re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", flat), (where, value)
        found = disclosure.check(text, profile)
        assert found == [], (where, [h.message for h in found])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(her=reporters, carrier=st.sampled_from(CARRIERS), data=st.data())
def test_no_door_lets_her_details_out(app, passphrase, db_session, her, carrier, data):
    pair, coordinator_id, officer_id = _keys(app, db_session, passphrase)
    carried = data.draw(st.sampled_from(raw_values(her)[::2]), label="typed into the carrier field")
    disguised, kind = data.draw(disguise(her), label="disguised")
    filed = file(app, her, carrier, carried)
    db_session.expire_all()
    report = db_session.scalar(select(Report).where(Report.reference == filed["reference"]))
    coordinator = db_session.get(Account, coordinator_id)
    officer = db_session.get(Account, officer_id)
    labels = {c.code: c.label for c in app.config["CATEGORIES"]}
    profile = disclosure.profile_from(casework.read_report(db_session, report, coordinator, pair, "alert").sections)

    alert = alert_service.start(db_session, report, coordinator, pair, labels)
    db_session.commit()
    prefilled = compose.open_draft(db_session, alert, pair)

    # Every door refuses the disguised detail.
    with_it = compose.Draft(**{**vars(prefilled), "body": f"{prefilled.body}\nAsk about {disguised}."})
    with pytest.raises(publish.Blocked):
        alert_service.publish_shown(db_session, alert, coordinator, pair, with_it, region="GB", approval=False)
    db_session.rollback()
    alert_service.publish_shown(db_session, alert, coordinator, pair, prefilled, region="GB", approval=False)
    db_session.commit()
    for door in ("update", "retraction"):
        with pytest.raises(publish.Blocked):
            if door == "update":
                publish.update(db_session, alert, coordinator, pair, "Seen again", f"With {disguised}.", "urgent")
            else:
                publish.retract(db_session, alert, coordinator, pair, f"Mistaken: {disguised}")
        db_session.rollback()
    publish.update(db_session, alert, coordinator, pair, "Seen again", "Seen again near the ring road.", "urgent")
    db_session.commit()
    with pytest.raises(release.NoteBlocked) as refused:
        release.pass_on(db_session, report, coordinator, f"For your records: {disguised}", pair)
    assert "in the covering note" in str(refused.value)
    db_session.rollback()
    passed = release.pass_on(db_session, report, coordinator, "Seen twice this month.", pair)
    db_session.commit()

    # Nothing of hers in what went out.
    messages = list(
        db_session.scalars(
            select(AlertMessage).where(AlertMessage.alert_id == alert.id).order_by(AlertMessage.sequence)
        )
    )
    assert [m.kind for m in messages] == ["alert", "update"]
    assert HIS_PHONE in messages[0].body and HIS_PLATE in messages[0].body
    outputs = channel_outputs(messages, alert.reference)
    view = release.read_for_police(
        db_session, passed, officer, unit_pair(db_session, passphrase, report.police_unit_id), "intelligence"
    )
    outputs["police view"] = json.dumps(view.opened.sections, ensure_ascii=False) + "\n" + view.note
    csv = portal.export(db_session, report, officer, view.opened, "csv").body.decode("utf-8")
    pdf = portal.export(db_session, report, officer, view.opened, "pdf").body
    outputs["police csv"] = csv
    outputs["police pdf"] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    db_session.commit()
    assert "Seen twice this month." in outputs["police view"] and HIS_PHONE in outputs["police csv"]
    assert_nothing_of_hers(outputs, her, profile)
