"""Figures for Prometheus, counted from the database at scrape time. No Flask imports.

Nothing is kept per process, so any number of gunicorn workers and hosts answer alike, and
nothing is timed per request (the reporter's pages are not instrumented at all). Every figure
is coarse enough that it cannot date a report:

- ``ugly_mugs_reports_received`` counts reports received before the start of the current hour
  (``received_at`` is kept to the hour), so it moves only on the hour and says no more than the
  stored hour already does. Reports by status are left out on purpose: a status also changes
  when a reporter erases her report, and a count taken every few seconds would date her act
  (promise P4 keeps times of her acts to the hour at most).
- Alerts by status and deliveries by status follow what staff did (publishing), not reporters.
- ``ugly_mugs_outbox_overdue_seconds``: how long the most overdue pending delivery has been due;
  a stalled or dead dispatch worker shows as a growing number.
- ``ugly_mugs_receipt_guessing_under_load``: 1 while many addresses guess receipt codes at once
  (it takes hundreds of wrong codes: one person's typo never moves it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs.models import Alert, Delivery, Report

ALERT_STATUSES = ("draft", "awaiting_approval", "published", "retracted")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def _hour_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


class _Figures:
    """A prometheus_client collector that reads the database each time it is collected."""

    def __init__(self, session: Session, under_load: bool, now: datetime):
        self.session = session
        self.under_load = under_load
        self.now = now

    def _by_status(self, column, known: tuple[str, ...]) -> dict[str, int]:
        counts = dict.fromkeys(known, 0)
        counts.update(dict(self.session.execute(select(column, func.count()).group_by(column)).all()))
        return counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        received = GaugeMetricFamily(
            "ugly_mugs_reports_received", "Reports received before the start of the current hour (erased ones too)."
        )
        received.add_metric(
            [],
            self.session.scalar(
                select(func.count()).select_from(Report).where(Report.received_at < _hour_start(self.now))
            ),
        )
        yield received

        alerts = GaugeMetricFamily("ugly_mugs_alerts", "Alerts by status.", labels=["status"])
        for status, n in sorted(self._by_status(Alert.status, ALERT_STATUSES).items()):
            alerts.add_metric([status], n)
        yield alerts

        deliveries = GaugeMetricFamily("ugly_mugs_deliveries", "Outbox deliveries by status.", labels=["status"])
        for status, n in sorted(self._by_status(Delivery.status, DELIVERY_STATUSES).items()):
            deliveries.add_metric([status], n)
        yield deliveries

        oldest_due = self.session.scalar(
            select(func.min(Delivery.next_attempt_at)).where(
                Delivery.status == "pending", Delivery.next_attempt_at <= self.now
            )
        )
        overdue = GaugeMetricFamily(
            "ugly_mugs_outbox_overdue_seconds", "How long the most overdue pending delivery has been due (0: none)."
        )
        overdue.add_metric([], max(0, int((self.now - oldest_due).total_seconds())) if oldest_due else 0)
        yield overdue

        load = GaugeMetricFamily(
            "ugly_mugs_receipt_guessing_under_load", "1 while wrong receipt codes pass the overall limit."
        )
        load.add_metric([], 1 if self.under_load else 0)
        yield load


def exposition(session: Session, under_load: bool, now: datetime | None = None) -> tuple[bytes, str]:
    """The figures in the Prometheus text format, and its content type.

    Raises SQLAlchemyError if the database cannot be read."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(session, under_load, now or datetime.now(UTC)))
    return generate_latest(registry), CONTENT_TYPE_LATEST
