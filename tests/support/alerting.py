"""Published alerts and projects for the delivery tests, written straight into the database.

``publish_message`` does what publishing does to the outbox (an ``Alert``, its areas, an
``AlertMessage`` and ``alerts.delivery.outbox.enqueue``) without the composer, so that delivery can be
tested on its own.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from alerts.delivery import outbox
from ugly_mugs.keys import channel_secrets
from ugly_mugs.models import Account, Alert, AlertArea, AlertMessage, Area, Project, ProjectArea, ProjectChannel
from ugly_mugs.models.base import utcnow


def publisher(session) -> int:
    """An account to stand as the publishing coordinator (no keys: it never logs in)."""
    found = session.scalar(select(Account.id).where(Account.username == "publisher"))
    if found:
        return found
    account = Account(
        username="publisher",
        display_name="Publisher",
        role="coordinator",
        password_hash="!",
        public_key=b"\0" * 32,
        key_salt=b"\0" * 16,
        key_params={},
        encrypted_private_key=b"",
        recovery_private_key=b"",
    )
    session.add(account)
    session.flush()
    return account.id


def area_ids(session, codes) -> list[int]:
    ids = list(session.scalars(select(Area.id).where(Area.code.in_(list(codes)))))
    assert len(ids) == len(set(codes)), f"unknown area among {codes}"
    return ids


def make_project(session, name, areas=(), emails=(), webhooks=(), language="en", active=True) -> Project:
    """A project covering ``areas`` (codes) with email channels and ``(url, secret)`` webhooks
    (each secret sealed under the session's delivery key, as the project page stores it)."""
    project = Project(name=name, language=language, active=active)
    session.add(project)
    session.flush()
    for area_id in area_ids(session, areas) if areas else []:
        session.add(ProjectArea(project_id=project.id, area_id=area_id))
    for address in emails:
        session.add(ProjectChannel(project_id=project.id, kind="email", target=address))
    for url, secret in webhooks:
        channel = ProjectChannel(project_id=project.id, kind="webhook", target=url)
        session.add(channel)
        session.flush()
        channel.secret_sealed = channel_secrets.seal(session.info[channel_secrets.DELIVERY_KEY], channel.id, secret)
    session.flush()
    return project


def publish_message(
    session,
    areas,
    title,
    body,
    kind="alert",
    severity="warning",
    alert: Alert | None = None,
    incident_week: date | None = date(2026, 11, 16),
    part_of_day: str | None = "night",
    commit: bool = True,
) -> AlertMessage:
    """Publish a first message (or, with ``alert``, an update or retraction of it) and fill the outbox."""
    if alert is None:
        alert = Alert(
            reference="A-" + secrets.token_hex(3).upper(),
            status="published",
            severity=severity,
            created_by=publisher(session),
            published_at=utcnow(),
        )
        session.add(alert)
        session.flush()
        for area_id in area_ids(session, areas):
            session.add(AlertArea(alert_id=alert.id, area_id=area_id))
    if kind == "retraction":
        alert.status, alert.retracted_at = "retracted", utcnow()
    sequence = len(list(session.scalars(select(AlertMessage.id).where(AlertMessage.alert_id == alert.id)))) + 1
    names = ", ".join(session.scalars(select(Area.name).where(Area.code.in_(list(areas))).order_by(Area.name)))
    message = AlertMessage(
        alert_id=alert.id,
        sequence=sequence,
        kind=kind,
        message_id=secrets.token_hex(16),
        severity=severity,
        title=title,
        body=body,
        areas=names,
        incident_week=incident_week,
        part_of_day=part_of_day,
        published_by=publisher(session),
        published_at=utcnow(),
    )
    session.add(message)
    session.flush()
    outbox.enqueue(session, message)
    if commit:
        session.commit()
    return message


def many_recipients(session, projects: int, per_project: int, area: str = "holbeck", domain: str = "example.org"):
    """``projects`` projects covering ``area``, each with ``per_project`` email channels; returns the addresses."""
    [area_id] = area_ids(session, [area])
    prefix = f"Fanout {secrets.token_hex(3)}"
    names = [f"{prefix} {i}" for i in range(projects)]
    session.execute(Project.__table__.insert(), [{"name": n, "active": True, "language": "en"} for n in names])
    ids = list(session.scalars(select(Project.id).where(Project.name.in_(names)).order_by(Project.id)))
    session.execute(ProjectArea.__table__.insert(), [{"project_id": p, "area_id": area_id} for p in ids])
    now = utcnow()
    rows = [
        {"project_id": p, "kind": "email", "target": f"p{p}-w{j}@{domain}", "active": True, "created_at": now}
        for p in ids
        for j in range(per_project)
    ]
    session.execute(ProjectChannel.__table__.insert(), rows)
    session.commit()
    return [r["target"] for r in rows]


def channel_secret(session, channel: ProjectChannel) -> str | None:
    """A channel's signing secret, opened with the session's delivery key (None if it has none)."""
    session.refresh(channel)
    if channel.secret_sealed is None:
        return None
    return channel_secrets.open_secret(session.info[channel_secrets.DELIVERY_KEY], channel.id, channel.secret_sealed)
