"""Whatever a coordinator types into an alert, every channel renders it safely: the email stays one
well-formed message with the neutral subject, the HTML part is escaped, the Atom feed parses, the
webhook body is JSON that verifies, and the PDF is drawn."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from html import escape
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from alerts.delivery import render
from alerts.delivery.bulletins import AreaGroup
from alerts.delivery.channels import webhook
from alerts.delivery.channels.email import Sender, build
from alerts.delivery.feed import atom
from alerts.delivery.sheet import sheet_pdf
from alerts.delivery.wording import LOCALES, wording

TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=300)


def published(title: str, body: str, kind: str = "alert") -> render.Published:
    return render.Published(
        message_id="0123456789abcdef0123456789abcdef",
        reference="A-7K3M9Q",
        kind=kind,
        severity="urgent",
        title=title,
        body=body,
        areas="Holbeck",
        incident_week=date(2026, 11, 16),
        part_of_day="night",
        published_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, body=TEXT, kind=st.sampled_from(["alert", "update", "retraction"]), locale=st.sampled_from(LOCALES))
def test_any_text_renders_safely_in_every_channel(title, body, kind, locale):
    m, w = published(title, body, kind), wording(locale)
    raw = build("a@example.org", m, w, Sender("bulletin@example.org")).as_bytes(policy=policy.SMTP)
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == w.subject
    assert mail["To"] == "a@example.org"
    assert len(mail.get_all("To")) == 1 and len(mail.get_all("Subject")) == 1
    html = mail.get_body(("html",)).get_content()
    if title.isprintable() and title.strip():
        assert escape(title) in html  # escaped: typed text never becomes markup
    document = atom("urn:x", "Warnings", "https://example.org/feed", [m], w, m.published_at)
    root = ET.fromstring(document)  # noqa: S314 - parsing our own output
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == 1
    payload = render.as_json(m, w)
    body_bytes = webhook.encode(payload)
    assert json.loads(body_bytes)["title"] == title
    assert webhook.verify(
        "s", "1795431600", body_bytes, webhook.signature("s", "1795431600", body_bytes), now=1795431600
    )


def test_pdf_draws_hostile_text():
    m = published("<b>bold</b> & <font size=90>", "line one\n\nline <two> & three\x00")
    pdf = sheet_pdf("Basis & <Co>", [AreaGroup("Holbeck", [m])], wording("bg"), date(2026, 11, 23))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "<b>bold</b>" in text
    assert "Липсата на предупреждение не означава, че е безопасно." in " ".join(text.split())


def test_wording_falls_back_to_english():
    assert wording("xx").no_warning_means_safe == "No warning does not mean safe."
    assert wording("en").week(date(2026, 11, 16)) == "Week of 16 November 2026"


@pytest.mark.parametrize(
    ("configured", "domain"),
    [
        ("Ugly Mugs – Leeds <bulletin@bücher.example>", "xn--bcher-kva.example"),
        ("Ugly Mugs <bulletin@EXAMPLE.org.>", "example.org"),
        ("Ugly Mugs <bulletin@bad_domain!>", "localhost"),
        ("Ugly Mugs <>", "localhost"),
    ],
)
def test_the_message_ids_domain_is_the_senders_in_ascii(configured, domain):
    assert Sender(configured).domain == domain
