"""What the staff pages show and do (no Flask): the outreach worker's filing and her list of the
reports she filed (status and consent, never content), and the key page where coordinators and
police liaison receive their group's key and pass it on.

Each page's data comes from one function here; the view reads the request and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import consent
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import groups
from ugly_mugs.models import Account, AuditEntry, GroupMembership, Project, Report
from ugly_mugs.reports import filing, reporter_types, statuses

# How many of her reports an outreach worker's list shows, newest first.
OUTREACH_LIST_LIMIT = 200


def project_of(session: Session, account: Account) -> Project | None:
    """The project ``account`` belongs to, or None (not a project role, or not assigned yet)."""
    return session.get(Project, account.project_id) if account.project_id is not None else None


def file_for_outreach(
    session: Session, new: filing.NewReport, worker: Account, contact_via_project: str, valid_categories: set[str]
) -> tuple[filing.Filed, Project]:
    """File ``new`` as a third-party report by outreach worker ``worker`` for her project, with the
    consent she attested and how the person prefers to be reached through the project (kept in
    the identity section). Returns the receipt and the project; the caller commits.

    Raises ``filing.ReportError`` for a report that cannot be stored as given, ValueError if the
    worker belongs to no project, and whatever ``web.database.UNAVAILABLE`` names when the
    database or a key is not there (nothing is stored then)."""
    project = project_of(session, worker)
    if project is None:
        raise ValueError("an outreach worker with no project cannot file")
    new.reporter_type = reporter_types.OUTREACH
    new.filed_by_account_id = worker.id
    new.project_id = project.id
    new.identity["contact_via_project"] = contact_via_project
    new.identity["consent_attested_by"] = worker.display_name
    return filing.file_report(session, new, valid_categories), project


@dataclass(frozen=True)
class FiledRow:
    """One line of the outreach worker's list: what she may know about a report she filed."""

    reference: str
    received_at: datetime
    status: str
    status_label: str
    consent_level: str
    consent_label: str


def outreach_reports(session: Session, worker_id: int, limit: int = OUTREACH_LIST_LIMIT) -> list[FiledRow]:
    """The reports ``worker_id`` filed, newest first: reference, week received, status and the
    consent the person chose, with their labels (``statuses.LABELS``, ``consent.OUTREACH_WORDING``)."""
    rows = session.execute(
        select(Report.reference, Report.received_at, Report.status, Report.consent_level)
        .where(Report.filed_by_account_id == worker_id)
        .order_by(Report.received_at.desc())
        .limit(limit)
    )
    return [
        FiledRow(
            reference=reference,
            received_at=received_at,
            status=status,
            status_label=statuses.LABELS.get(status, status),
            consent_level=level,
            consent_label=consent.OUTREACH_WORDING.get(level, level),
        )
        for reference, received_at, status, level in rows
    ]


# How an account's password and authenticator came to be, as the audit log records it: what a key
# holder must see before giving someone the key (an admin who reset an account could have set
# its password and authenticator themselves).
ACCOUNT_EVENTS = {
    "account_created": "account made",
    "invitation_created": "invitation link made",
    "invitation_accepted": "invitation accepted: password and authenticator set",
    "password_reset": "password reset (keys taken away)",
    "two_factor_reset": "authenticator reset (keys taken away)",
    "group_key_withdrawn": "keys taken away",
}
RESETS = frozenset({"password_reset", "two_factor_reset"})


@dataclass(frozen=True)
class AccountEvent:
    """One entry of ``ACCOUNT_EVENTS`` about an account: what, when (UTC) and by whom (a
    username; None for the command line or the person themselves)."""

    label: str
    at: datetime
    by: str | None
    reset: bool


@dataclass(frozen=True)
class KeysPage:
    """The key page of a coordinator or police liaison: their own membership of their group (None
    if not invited; ``sealed`` None while waiting for the key), the invitations they can approve,
    the invited accounts by id, and each one's ``ACCOUNT_EVENTS``, oldest first."""

    mine: GroupMembership | None
    pending: list[GroupMembership]
    names: dict[int, Account]
    history: dict[int, list[AccountEvent]]


def account_history(session: Session, account_ids: list[int]) -> dict[int, list[AccountEvent]]:
    """The ``ACCOUNT_EVENTS`` of each account in ``account_ids``, oldest first, from the audit log."""
    if not account_ids:
        return {}
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_account_id.in_(account_ids), AuditEntry.action.in_(list(ACCOUNT_EVENTS)))
        .order_by(AuditEntry.id)
    ).all()
    actors = {e.actor_id for e in entries if e.actor_id is not None}
    usernames = dict(session.execute(select(Account.id, Account.username).where(Account.id.in_(actors))).all())
    history: dict[int, list[AccountEvent]] = {a: [] for a in account_ids}
    for e in entries:
        by = usernames.get(e.actor_id) if e.actor_id != e.subject_account_id else None
        history[e.subject_account_id].append(AccountEvent(ACCOUNT_EVENTS[e.action], e.at, by, e.action in RESETS))
    return history


def own_membership(session: Session, account: Account) -> GroupMembership | None:
    """``account``'s membership of its role's key group, or None (no group, or not invited)."""
    group = groups.group_for(session, account)
    return groups.membership(session, group.id, account.id) if group is not None else None


def keys_page(session: Session, account: Account) -> KeysPage:
    pending = groups.pending_for(session, account.id)
    invited = [m.account_id for m in pending]
    names = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(invited)))} if invited else {}
    return KeysPage(
        mine=own_membership(session, account),
        pending=pending,
        names=names,
        history=account_history(session, invited),
    )


def approve(session: Session, approver: Account, membership_id: int, personal: sealing.KeyPair) -> bool:
    """Give the group key to the invitation ``membership_id`` if ``approver`` may approve it (it is
    pending in a group they hold); False otherwise (the caller answers 404). ``personal`` is the
    approver's unlocked key pair. Raises ``groups.GroupError`` if the approver's copy does not open."""
    member = session.get(GroupMembership, membership_id)
    if member is None or member not in groups.pending_for(session, approver.id):
        return False
    groups.approve(session, member, approver, personal)
    return True


def claimable(session: Session, account: Account) -> GroupMembership | None:
    """``account``'s invitation that still waits for the key (the recovery form's subject), or None."""
    member = own_membership(session, account)
    return member if member is not None and member.sealed is None else None
