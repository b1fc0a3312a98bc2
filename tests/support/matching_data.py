"""Reports with perpetrator identifiers and alerts about them, for the matching and check tests.

Alerts are written straight into the alert tables (as the alert pages would publish them), so
that the check can be tested against every status an alert goes through.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import select

from ugly_mugs import consent
from ugly_mugs.models import Account, Alert, AlertMessage, Report
from ugly_mugs.reports import filing as service


def file(app, area: str = "holbeck", **perpetrator) -> Report:
    """File a report whose perpetrator section holds ``perpetrator``; returns the stored report."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        filed = service.file_report(
            db,
            service.NewReport(
                incident_date=date(2026, 11, 20),
                area_code=area,
                categories=["threats"],
                consent_level=consent.ALERT_ONLY,
                reporter_type="self",
                identity={"name": "Reporter"},
                incident={"what_happened": "He threatened me."},
                perpetrator=perpetrator,
            ),
            {c.code for c in app.config["CATEGORIES"]},
        )
        db.commit()
        return db.scalar(select(Report).where(Report.reference == filed.reference))


def author(app) -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        found = db.scalar(select(Account.id).order_by(Account.id))
        if found is not None:
            return found
    from tests.support.staff import create

    return create(app, "alertauthor", "coordinator").id


def alert(app, report: Report, status: str, title: str, body: str, *, messages: int = 1, retraction=False) -> int:
    """An alert on ``report`` in ``status`` with ``messages`` published texts (title/body numbered after the first)."""
    by = author(app)
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        row = Alert(
            reference="A-" + secrets.token_hex(3).upper(),
            report_id=report.id,
            status=status,
            severity="warning",
            draft=b"\x01" * 40 if status in ("draft", "awaiting_approval") else None,
            draft_key_scheme=b"\x02" * 92 if status in ("draft", "awaiting_approval") else None,
            created_by=by,
            published_at=now if status in ("published", "retracted") else None,
            retracted_at=now if status == "retracted" else None,
        )
        db.add(row)
        db.flush()
        if status in ("published", "retracted"):
            for i in range(messages):
                suffix = "" if i == 0 else f" (update {i})"
                db.add(
                    AlertMessage(
                        alert_id=row.id,
                        sequence=i + 1,
                        kind="alert" if i == 0 else "update",
                        message_id=secrets.token_hex(16),
                        severity="warning",
                        title=title + suffix,
                        body=body + suffix,
                        areas="Holbeck",
                        incident_week=date(2026, 11, 16),
                        part_of_day="night",
                        published_by=by,
                        published_at=now.replace(day=22 + i),
                    )
                )
            if retraction or status == "retracted":
                db.add(
                    AlertMessage(
                        alert_id=row.id,
                        sequence=messages + 1,
                        kind="retraction",
                        message_id=secrets.token_hex(16),
                        severity="warning",
                        title="Retracted",
                        body="This warning was withdrawn.",
                        areas="Holbeck",
                        published_by=by,
                        published_at=now.replace(day=28),
                    )
                )
        db.commit()
        return row.id
