"""What the admin pages show and do (no Flask): the accounts list and one account's detail, the
actions on an account, and the audit log page with its filters.

Each page's data comes from one function here; the view reads the request and renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.auth import accounts, login
from ugly_mugs.dates import local
from ugly_mugs.keys import groups
from ugly_mugs.models import Account, AuditEntry, GroupKey, GroupMembership, PoliceUnit, Project
from ugly_mugs.models.people import ROLE_LABELS

# Audit entries per page, newest first.
AUDIT_PAGE = 100
# Bigger than any row id: SQLite and PostgreSQL (bigint) ids are signed 64-bit integers.
_LARGEST_ID = 2**63


@dataclass(frozen=True)
class AccountsPage:
    """The accounts page: every account by username, and the choices of the new-account form
    as ``(id, name)`` pairs (every police unit; active projects only)."""

    accounts: list[Account]
    units: list[tuple[int, str]]
    projects: list[tuple[int, str]]
    role_labels: dict[str, str]


def _id_and_name(session: Session, model: type[PoliceUnit] | type[Project], *where) -> list[tuple[int, str]]:
    query = select(model.id, model.name).where(*where).order_by(model.name)
    return [(i, name) for i, name in session.execute(query)]


def accounts_page(session: Session) -> AccountsPage:
    return AccountsPage(
        accounts=list(session.scalars(select(Account).order_by(Account.username))),
        units=_id_and_name(session, PoliceUnit),
        projects=_id_and_name(session, Project, Project.active),
        role_labels=ROLE_LABELS,
    )


def account(session: Session, account_id: int) -> Account | None:
    """The account with this id, or None (the caller answers 404)."""
    return session.get(Account, account_id)


@dataclass(frozen=True)
class AccountDetail:
    """One account's page: its key-group memberships (invited or holding), whether failed logins
    have locked it, and whether its role has a key group it could be invited to."""

    subject: Account
    memberships: list[GroupMembership]
    locked: bool
    can_join: bool
    role_label: str


def _memberships(session: Session, subject: Account) -> list[GroupMembership]:
    return list(
        session.scalars(
            select(GroupMembership).where(GroupMembership.account_id == subject.id).order_by(GroupMembership.id)
        )
    )


def account_detail(session: Session, account_id: int, secret_key: str) -> AccountDetail | None:
    """The page of account ``account_id``, or None if there is none. ``secret_key`` is the app's
    SECRET_KEY, which keys the login-failure counters (``auth.login``)."""
    subject = session.get(Account, account_id)
    if subject is None:
        return None
    return AccountDetail(
        subject=subject,
        memberships=_memberships(session, subject),
        locked=login.is_locked(session, secret_key, subject.username),
        can_join=groups.group_for(session, subject) is not None,
        role_label=ROLE_LABELS.get(subject.role, subject.role),
    )


# What an admin may do to an account, by the name in its URL.
ACTIONS = ("deactivate", "reset-two-factor", "unlock", "invite", "remove-key")


def act_on_account(session: Session, subject: Account, action: str, actor_id: int, secret_key: str) -> list[str]:
    """Apply ``action`` (one of ACTIONS) to ``subject`` on behalf of admin ``actor_id``; each is
    audited by the function it calls and the caller commits. ``secret_key`` is the app's
    SECRET_KEY (for "unlock"). Raises ValueError for an unknown action and ``groups.GroupError``
    when an invitation is not possible (already invited, or the role holds no key).

    Returns the ``keys rotate`` commands now advised: one per group key of which the action
    deleted a copy the person held ("deactivate", "remove-key"). A copy they kept elsewhere would
    open every report sealed to that key later, until it is rotated (docs/staff.md)."""
    held = [m.group_key_id for m in _memberships(session, subject) if m.sealed is not None]
    match action:
        case "deactivate":
            accounts.deactivate(session, subject, actor_id)
        case "reset-two-factor":
            accounts.reset_two_factor(session, subject, actor_id)
            return []
        case "unlock":
            accounts.unlock_account(session, subject, actor_id, secret_key)
            return []
        case "invite":
            groups.invite(session, subject, actor_id)
            return []
        case "remove-key":
            for member in _memberships(session, subject):
                groups.remove(session, member, actor_id)
        case _:
            raise ValueError(f"unknown account action {action!r}")
    return [_rotate_command(session, group_key_id) for group_key_id in held]


ROTATE_COMMAND = re.compile(r"keys rotate (scheme|unit [A-Za-z0-9_.-]{1,64})")


def rotate_advice(values: list[str]) -> tuple[str, ...]:
    """The ``keys rotate`` commands among ``values`` (from the page's address), anything else dropped."""
    return tuple(dict.fromkeys(v for v in values if ROTATE_COMMAND.fullmatch(v)))


def _rotate_command(session: Session, group_key_id: int) -> str:
    group = session.get(GroupKey, group_key_id)
    if group is None or group.police_unit_id is None:
        return "keys rotate scheme"
    return f"keys rotate unit {session.get(PoliceUnit, group.police_unit_id).code}"


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page is narrowed to; an empty or blank string means "any"."""

    action: str = ""
    actor: str = ""
    report: str = ""
    # Only entries older than this id (the "Older entries" link); 0 or less means from the newest,
    # and so does a number beyond any id.
    before: int = 0
    # Only entries made on or after ``since`` and on or before ``until``: local days of the
    # scheme's time zone (``dates.local``), read by the one bounded parser.
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first: the entries, usernames by account id for the
    actors and subjects shown, the verification of the whole chain, and the id to pass as
    ``before`` for the next page (None on the last page)."""

    entries: list[AuditEntry]
    names: dict[int, str]
    verification: audit.Verification
    next_before: int | None


def audit_page(session: Session, filters: AuditFilters, page: int = AUDIT_PAGE) -> AuditPage:
    """Up to ``page`` entries matching ``filters``. An actor username that names nobody matches
    no entry (rather than being ignored), so a mistyped name shows an empty page."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters.action.strip():
        query = query.where(AuditEntry.action == filters.action.strip())
    if filters.report.strip():
        query = query.where(AuditEntry.report_id == filters.report.strip())
    if filters.actor.strip():
        actor = accounts.find(session, filters.actor)
        query = query.where(AuditEntry.actor_id == (actor.id if actor else -1))
    # Every id is a positive 64-bit integer, so a larger bound leaves nothing out; passing it on
    # would overflow the database driver's integer (SQLite raises OverflowError).
    if 0 < filters.before < _LARGEST_ID:
        query = query.where(AuditEntry.id < filters.before)
    zone = local.of(session)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= local.day_start(filters.since, zone))
    if filters.until is not None:
        query = query.where(AuditEntry.at < local.day_start(filters.until + timedelta(days=1), zone))
    entries = list(session.scalars(query.limit(page)))
    shown = {e.actor_id for e in entries} | {e.subject_account_id for e in entries}
    shown.discard(None)
    names = dict(session.execute(select(Account.id, Account.username).where(Account.id.in_(shown))).all())
    return AuditPage(
        entries=entries,
        names=names,
        verification=audit.verify(session),
        next_before=entries[-1].id if len(entries) == page else None,
    )
