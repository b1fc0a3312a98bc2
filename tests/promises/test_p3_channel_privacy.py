"""No channel ever carries report content: an alert linked to a report full of canary values goes
out by email, webhook, feed, printable sheet and PDF, and no canary appears in any of them. The
alerts package reads no report: it imports neither the report models nor any crypto."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.mailsink import smtp_server
from tests.support.source import ROOT, imported_modules
from tests.support.webhook_receiver import Receiver, webhook_server
from ugly_mugs.models import Alert, Report
from ugly_mugs.projects import service
from ugly_mugs.reports.filing import NewReport, file_report

CANARIES = {
    "name": "CanaryNameQx7",
    "contact": "07700 900123",
    "exact_place": "CanaryStreetZv4",
    "what_happened": "CanaryIncidentWp2",
    "description": "CanaryPerpetratorKk9",
    "registration": "CNRY 123",
}


def test_no_report_content_reaches_any_channel(app, client, db_session, passphrase):
    filed = file_report(
        db_session,
        NewReport(
            incident_date=date(2026, 11, 18),
            area_code="holbeck",
            categories=[],
            consent_level="alert_only",
            reporter_type="self",
            identity={"name": CANARIES["name"], "contact": CANARIES["contact"], "exact_place": CANARIES["exact_place"]},
            incident={"part_of_day": "night", "what_happened": CANARIES["what_happened"]},
            perpetrator={"description": CANARIES["description"], "vehicle": {"registration": CANARIES["registration"]}},
        ),
        {c.code for c in app.config["CATEGORIES"]},
    )
    db_session.commit()
    report_id = db_session.scalar(select(Report.id).where(Report.reference == filed.reference))
    receiver = Receiver("secret")
    outputs: list[str] = []
    with webhook_server(receiver) as url, smtp_server() as (sink, port):
        project = make_project(
            db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"], webhooks=[(url, "secret")]
        )
        token = service.new_feed_token(db_session, project, None)
        db_session.commit()
        message = publish_message(
            db_session, ["holbeck"], "Silver car driver", "Offers lifts near the canal.", commit=False
        )
        db_session.get(Alert, message.alert_id).report_id = report_id
        db_session.commit()
        config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}", "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1"}
        assert Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once().delivered == 2
        outputs += [m.as_string() for _, m, _ in sink.messages]
        outputs += [r["body"].decode() for r in receiver.requests]
    outputs.append(client.get(f"/feed?token={token}").get_data(as_text=True))
    outputs.append(client.get(f"/bulletin?token={token}").get_data(as_text=True))
    pdf = client.get(f"/bulletin.pdf?token={token}").data
    outputs.append(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert all("Offers lifts near the canal." in " ".join(o.split()) or "canal" in o for o in outputs)
    for output in outputs:
        for canary in CANARIES.values():
            assert canary not in output
            assert canary.replace(" ", "") not in output


# Authoring (composing, checking, publishing a draft) reads the report by design; nothing that
# sends or shows a published message may.


def test_delivery_modules_read_no_report():
    paths = sorted((ROOT / "alerts" / "delivery").rglob("*.py"))
    assert len(paths) >= 10
    for path in paths:
        modules = imported_modules(path.read_text(encoding="utf-8"), path)
        forbidden = {
            m
            for m in modules
            if m.startswith(("ugly_mugs.crypto", "ugly_mugs.reports", "ugly_mugs.reporting", "cryptography"))
            or m in {"ugly_mugs.models.Report", "ugly_mugs.models.ReportSection", "ugly_mugs.models.report"}
        }
        assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"
