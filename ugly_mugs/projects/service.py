"""Managing projects (no Flask): settings, areas, members, channels, the feed token. Every change is audited.
Also what the project pages show: the list, one project, its printable sheet and feed, failed deliveries.

Secrets (a webhook's signing secret, the feed token) are returned to the caller to show once
and never written to the audit log; a signing secret is stored only sealed under the delivery
key (``ugly_mugs/keys/channel_secrets.py``, the key carried in ``Session.info``), the feed
token only as its SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from alerts.delivery import bulletins, failures, feed, health
from alerts.delivery import channels as channel_registry
from alerts.delivery.sheet import sheet_pdf
from alerts.delivery.wording import Wording, wording
from ugly_mugs import audit
from ugly_mugs.dates import local
from ugly_mugs.keys import channel_secrets
from ugly_mugs.models import Account, Area, Project, ProjectArea, ProjectChannel
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.people import PROJECT_ROLES, ROLE_LABELS

LANGUAGES = {"en": "English", "ro": "Română", "pt_BR": "Português (Brasil)", "pl": "Polski", "bg": "Български"}


class ProjectError(ValueError):
    """A change that cannot be made; the message says why, in words for the person managing projects."""


class KeyUnavailable(ProjectError):
    """A secret cannot be stored because the delivery key is not configured."""


def feed_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def project_for_feed_token(session: Session, token: str | None) -> Project | None:
    """The active project whose feed token this is; None for anything else (the caller answers 404)."""
    if not token or len(token) > 100:
        return None
    project = session.scalar(select(Project).where(Project.feed_token_digest == feed_digest(token)))
    return project if project is not None and project.active else None


def create(session: Session, name: str, actor_id: int | None) -> Project:
    name = name.strip()
    if not name:
        raise ProjectError("Enter the project's name.")
    if session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise ProjectError("A project with that name exists.")
    project = Project(name=name)
    session.add(project)
    session.flush()
    audit.record(session, "project_created", actor_id=actor_id, detail={"project": project.id})
    return project


def area_ids(session: Session, project: Project) -> set[int]:
    return set(session.scalars(select(ProjectArea.area_id).where(ProjectArea.project_id == project.id)))


def update_settings(
    session: Session, project: Project, name: str, language: str, active: bool, areas: set[int], actor_id: int | None
) -> None:
    name = name.strip()
    if not name:
        raise ProjectError("Enter the project's name.")
    if language not in LANGUAGES:
        raise ProjectError("Choose one of the bulletin languages.")
    taken = session.scalar(select(Project.id).where(Project.name == name, Project.id != project.id))
    if taken is not None:
        raise ProjectError("A project with that name exists.")
    known = set(session.scalars(select(Area.id).where(Area.id.in_(areas)))) if areas else set()
    if known != areas:
        raise ProjectError("Choose areas from the list.")
    before = {"name": project.name, "language": project.language, "active": project.active}
    project.name, project.language, project.active = name, language, active
    old = area_ids(session, project)
    session.execute(
        delete(ProjectArea).where(ProjectArea.project_id == project.id, ProjectArea.area_id.in_(old - areas))
    )
    session.add_all(ProjectArea(project_id=project.id, area_id=a) for a in sorted(areas - old))
    changed = [k for k, v in before.items() if v != getattr(project, k)]
    audit.record(
        session,
        "project_updated",
        actor_id=actor_id,
        detail={
            "project": project.id,
            "changed": changed,
            "areas_added": sorted(areas - old),
            "areas_removed": sorted(old - areas),
        },
    )


def members(session: Session, project: Project) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.project_id == project.id).order_by(Account.username)))


def candidates(session: Session) -> list[Account]:
    """Accounts that may belong to a project: outreach workers and project members."""
    return list(
        session.scalars(
            select(Account).where(Account.role.in_(PROJECT_ROLES), Account.active).order_by(Account.username)
        )
    )


def assign_member(session: Session, project: Project, account: Account, actor_id: int | None) -> None:
    if account.role not in PROJECT_ROLES:
        raise ProjectError("Only outreach workers and project members belong to a project.")
    previous = account.project_id
    account.project_id = project.id
    audit.record(
        session,
        "project_member_added",
        actor_id=actor_id,
        subject_account_id=account.id,
        detail={"project": project.id, "previous_project": previous},
    )


def remove_member(session: Session, project: Project, account: Account, actor_id: int | None) -> None:
    if account.project_id != project.id:
        raise ProjectError("That account is not a member of this project.")
    account.project_id = None
    audit.record(
        session,
        "project_member_removed",
        actor_id=actor_id,
        subject_account_id=account.id,
        detail={"project": project.id},
    )


def channels(session: Session, project: Project) -> list[ProjectChannel]:
    return list(
        session.scalars(
            select(ProjectChannel).where(ProjectChannel.project_id == project.id).order_by(ProjectChannel.id)
        )
    )


def channel_kinds() -> tuple[channel_registry.Channel, ...]:
    """The kinds of channel a project can be given, in the order the page offers them (not those
    for individual subscribers only: a text message channel's target is a person's number)."""
    return tuple(c for c in channel_registry.registered() if getattr(c, "for_projects", True))


def channel_kind(kind: str) -> channel_registry.Channel:
    """The registered channel of ``kind``; ``ProjectError`` for a kind nobody registered."""
    try:
        channel = channel_registry.get(kind)
    except channel_registry.UnknownChannel:
        raise ProjectError("There is no such kind of channel.") from None
    if not getattr(channel, "for_projects", True):
        raise ProjectError("There is no such kind of channel.")
    return channel


def _existing(session: Session, project: Project, kind: str, target: str) -> ProjectChannel | None:
    return session.scalar(
        select(ProjectChannel).where(
            ProjectChannel.project_id == project.id, ProjectChannel.kind == kind, ProjectChannel.target == target
        )
    )


def _seal(session: Session, channel: ProjectChannel, secret: str) -> None:
    """Store ``secret`` sealed under the delivery key; ``ProjectError`` when no key is configured."""
    session.flush()
    try:
        channel.secret_sealed = channel_secrets.seal(session.info.get(channel_secrets.DELIVERY_KEY), channel.id, secret)
    except channel_secrets.SecretUnavailable:
        raise KeyUnavailable(
            "The signing secret cannot be stored: the delivery key is not configured (UGLY_MUGS_DELIVERY_KEY_FILE)."
        ) from None


def add_channel(
    session: Session,
    project: Project,
    kind: str,
    raw: str,
    actor_id: int | None,
    config: Mapping[str, Any] | None = None,
) -> tuple[ProjectChannel, str | None]:
    """A destination of a registered ``kind`` for ``project``, from what a person typed.

    ``config`` is the app's configuration (the channel's rules that depend on the installation,
    e.g. which webhook hosts may be private). Returns the channel and, for a kind with a
    signing secret, the new secret (to show once to the person who added it; stored sealed,
    never audited). A destination already on the project is refused while it is on; one that
    was switched off is switched on again — unless it has a secret, which the receiver already
    holds: then the person is told to switch it on or renew it. Raises ``ProjectError`` with a
    message for that person.
    """
    channel_type = channel_kind(kind)
    try:
        target = channel_type.check_target(raw, config or {})
    except channel_registry.ChannelInputError as exc:
        raise ProjectError(str(exc)) from None
    channel = _existing(session, project, kind, target)
    if channel is not None and channel_type.has_secret:
        raise ProjectError(
            "That address is already one of this project's channels; switch it on or give it a new secret."
        )
    if channel is not None and channel.active:
        raise ProjectError("That address already receives this project's alerts.")
    secret = channel_type.new_secret() if channel_type.has_secret else None
    if channel is None:
        channel = ProjectChannel(project_id=project.id, kind=kind, target=target)
        session.add(channel)
    channel.active = True
    session.flush()
    if secret is not None:
        _seal(session, channel, secret)
    audit.record(
        session, "project_channel_added", actor_id=actor_id, detail={"project": project.id, "channel": channel.id}
    )
    return channel, secret


def set_channel_active(session: Session, channel: ProjectChannel, active: bool, actor_id: int | None) -> None:
    channel.active = active
    audit.record(
        session,
        "project_channel_switched",
        actor_id=actor_id,
        detail={"project": channel.project_id, "channel": channel.id, "active": active},
    )


def renew_secret(session: Session, channel: ProjectChannel, actor_id: int | None) -> str:
    """A new signing secret for a channel whose kind has one (the old one stops working at once).

    Audited as ``project_<kind>_secret_renewed`` (``project_webhook_secret_renewed``), without the secret.
    """
    channel_type = channel_kind(channel.kind)
    if not channel_type.has_secret:
        raise ProjectError("This kind of channel has no secret.")
    secret = channel_type.new_secret()
    _seal(session, channel, secret)
    audit.record(
        session,
        f"project_{channel.kind}_secret_renewed",
        actor_id=actor_id,
        detail={"project": channel.project_id, "channel": channel.id},
    )
    return secret


def new_feed_token(session: Session, project: Project, actor_id: int | None) -> str:
    """A fresh feed token (the old one stops working); only its digest is kept."""
    token = secrets.token_urlsafe(32)
    project.feed_token_digest = feed_digest(token)
    audit.record(session, "project_feed_token_renewed", actor_id=actor_id, detail={"project": project.id})
    return token


def stop_feed(session: Session, project: Project, actor_id: int | None) -> None:
    """Switch the feed (and the token's printable sheet) off: the current token stops working."""
    project.feed_token_digest = None
    audit.record(session, "project_feed_stopped", actor_id=actor_id, detail={"project": project.id})


# --- what the project pages show (one call per page) --------------------------------------------


def project(session: Session, project_id: int) -> Project | None:
    """The project with this id, or None (the caller answers 404)."""
    return session.get(Project, project_id)


def project_named(session: Session, name: str) -> Project | None:
    """The project called ``name`` (as it is written), or None."""
    return session.scalar(select(Project).where(Project.name == name.strip()))


def channel_of(session: Session, project: Project, channel_id: int) -> ProjectChannel | None:
    """Channel ``channel_id`` if it belongs to ``project``; None otherwise (the caller answers 404)."""
    channel = session.get(ProjectChannel, channel_id)
    return channel if channel is not None and channel.project_id == project.id else None


def account(session: Session, account_id: int) -> Account | None:
    """The account with this id, or None (the caller answers 404)."""
    return session.get(Account, account_id)


@dataclass(frozen=True)
class ProjectsPage:
    """The projects list: every project by name, with how many areas and channels each has."""

    projects: list[Project]
    area_counts: dict[int, int]
    channel_counts: dict[int, int]
    languages: dict[str, str]


def projects_page(session: Session) -> ProjectsPage:
    def per_project(column) -> dict[int, int]:
        return dict(session.execute(select(column, func.count()).group_by(column)).all())

    return ProjectsPage(
        projects=list(session.scalars(select(Project).order_by(Project.name))),
        area_counts=per_project(ProjectArea.project_id),
        channel_counts=per_project(ProjectChannel.project_id),
        languages=LANGUAGES,
    )


@dataclass(frozen=True)
class ProjectPage:
    """One project's page: its members and channels, the areas it covers (ids) among every area
    (``(id, name)`` by name), and the accounts that may be added as members."""

    project: Project
    members: list[Account]
    channels: list[ProjectChannel]
    area_ids: set[int]
    areas: list[tuple[int, str]]
    candidates: list[Account]
    role_labels: dict[str, str]


def project_page(session: Session, project: Project) -> ProjectPage:
    return ProjectPage(
        project=project,
        members=members(session, project),
        channels=channels(session, project),
        area_ids=area_ids(session, project),
        areas=[(a.id, a.name) for a in session.scalars(select(Area).order_by(Area.name))],
        candidates=candidates(session),
        role_labels=ROLE_LABELS,
    )


@dataclass(frozen=True)
class Sheet:
    """The printable alert sheet of a project: each alert still standing, by area, in the
    project's bulletin wording; ``today`` is the local day it is printed (``dates.local``)."""

    project: Project
    groups: list[bulletins.AreaGroup]
    w: Wording
    today: date


def sheet(session: Session, project: Project, days: int, now: datetime | None = None) -> Sheet:
    """The sheet of alerts published in the last ``days`` days (the BULLETIN_DAYS setting)."""
    now = now or utcnow()
    return Sheet(
        project=project,
        groups=bulletins.current_by_area(session, project.id, now - timedelta(days=days)),
        w=wording(project.language),
        today=local.day_of(now, local.of(session)),
    )


def sheet_as_pdf(printed: Sheet) -> bytes:
    """The same sheet as a PDF document."""
    return sheet_pdf(printed.project.name, printed.groups, printed.w, printed.today)


def atom_feed(session: Session, project: Project, self_url: str, now: datetime | None = None) -> bytes:
    """The project's Atom feed (RFC 4287) of its newest messages, in its bulletin language;
    ``self_url`` is the feed's own address (with its token) for the ``rel="self"`` link."""
    w = wording(project.language)
    return feed.atom(
        feed_id=f"urn:ugly-mugs:project:{project.id}",
        title=f"{w.feed_title} – {project.name}",
        self_url=self_url,
        messages=bulletins.feed_messages(session, project.id),
        w=w,
        now=now or utcnow(),
    )


@dataclass(frozen=True)
class DeliveriesPage:
    """The failed-deliveries page: what the worker gave up on, how many deliveries are in each
    status, the projects with failed deliveries (``(id, name, count)``) for sending them again in
    bulk, and whether the dispatch workers are alive (``health``)."""

    failed: list[failures.Failed]
    counts: dict[str, int]
    failed_projects: list[tuple[int, str, int]]
    health: health.DeliveryHealth


def deliveries_page(session: Session, stale_seconds: int) -> DeliveriesPage:
    """What the page shows; ``stale_seconds``: a worker's heartbeat older than this is stalled or dead."""
    return DeliveriesPage(
        failed=failures.failed(session),
        counts=failures.counts(session),
        failed_projects=failures.failed_by_project(session),
        health=health.delivery_health(session, stale_seconds),
    )


def deliveries_page_projects(session: Session) -> list[tuple[int, str, int]]:
    """The projects with failed deliveries, ``(id, name, count)`` by name."""
    return failures.failed_by_project(session)


def retry_failed(session: Session, project_id: int | None, actor_id: int | None) -> int:
    """Queue again every failed delivery of ``project_id`` (None: of every project), with a fresh
    count of tries; audited as ``deliveries_retried`` with the project and how many. Returns how many."""
    if project_id is not None and session.get(Project, project_id) is None:
        raise ProjectError("There is no such project.")
    count = failures.retry_all(session, project_id)
    audit.record(session, "deliveries_retried", actor_id=actor_id, detail={"project": project_id, "count": count})
    return count


def retry_delivery(session: Session, delivery_id: int, actor_id: int | None) -> bool:
    """Queue a failed delivery again (audited); False if there is no such failed delivery."""
    if not failures.retry(session, delivery_id):
        return False
    audit.record(session, "delivery_retried", actor_id=actor_id, detail={"delivery": delivery_id})
    return True
