"""What a project's feed and printable sheet show: the published messages for the areas it covers.

Only ``AlertMessage`` rows (and the alert's reference and areas, for choosing them) are read;
the sheet and the feed never touch a report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.delivery.render import Published
from ugly_mugs.models import Alert, AlertArea, AlertMessage, Area, ProjectArea

FEED_ENTRIES = 50


def _covered_alerts(project_id: int):
    """Ids of the alerts sent to one of the project's areas."""
    return (
        select(AlertArea.alert_id)
        .join(ProjectArea, ProjectArea.area_id == AlertArea.area_id)
        .where(ProjectArea.project_id == project_id)
    )


def feed_messages(session: Session, project_id: int, limit: int = FEED_ENTRIES) -> list[Published]:
    """The newest messages (alerts, updates, retractions) for the project's areas, newest first."""
    rows = session.execute(
        select(AlertMessage, Alert.reference)
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .where(AlertMessage.alert_id.in_(_covered_alerts(project_id)), Alert.status.in_(("published", "retracted")))
        .order_by(AlertMessage.published_at.desc(), AlertMessage.id.desc())
        .limit(limit)
    ).all()
    return [Published.of(message, reference) for message, reference in rows]


@dataclass(frozen=True)
class AreaGroup:
    area: str
    messages: list[Published]


def current_by_area(session: Session, project_id: int, since: datetime) -> list[AreaGroup]:
    """Each alert still standing (published since ``since``, not retracted) as its newest message
    with the messages before it (``Published.earlier``: the original description of him stays
    beside an update), under each of the project's areas it was sent to; urgent first, then
    newest first."""
    latest = (
        select(AlertMessage.alert_id, func.max(AlertMessage.sequence).label("sequence"))
        .group_by(AlertMessage.alert_id)
        .subquery()
    )
    rows = session.execute(
        select(AlertMessage, Alert.reference, Area.name)
        .join(latest, (latest.c.alert_id == AlertMessage.alert_id) & (latest.c.sequence == AlertMessage.sequence))
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .join(AlertArea, AlertArea.alert_id == Alert.id)
        .join(ProjectArea, (ProjectArea.area_id == AlertArea.area_id) & (ProjectArea.project_id == project_id))
        .join(Area, Area.id == AlertArea.area_id)
        .where(Alert.status == "published", Alert.published_at >= since)
    ).all()
    rank = {"urgent": 0, "warning": 1, "information": 2}
    earlier: dict[int, list[Published]] = {}
    alert_ids = {message.alert_id for message, _, _ in rows}
    if alert_ids:
        for message, reference in session.execute(
            select(AlertMessage, Alert.reference)
            .join(Alert, Alert.id == AlertMessage.alert_id)
            .where(AlertMessage.alert_id.in_(alert_ids), AlertMessage.kind != "retraction")
            .order_by(AlertMessage.alert_id, AlertMessage.sequence)
        ):
            earlier.setdefault(message.alert_id, []).append(Published.of(message, reference))
    groups: dict[str, list[Published]] = {}
    for message, reference, area in rows:
        before = tuple(m for m in earlier.get(message.alert_id, []) if m.message_id != message.message_id)
        groups.setdefault(area, []).append(replace(Published.of(message, reference), earlier=before))
    return [
        AreaGroup(area, sorted(items, key=lambda m: (rank.get(m.severity, 3), -m.published_at.timestamp())))
        for area, items in sorted(groups.items())
    ]
