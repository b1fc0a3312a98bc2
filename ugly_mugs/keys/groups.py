"""Membership of key groups: who holds the scheme key and each police unit key. No Flask imports.

An admin invites; a member who holds the group key unlocked approves, which seals the
group's private key to the newcomer's personal public key. The first member of a group
receives the key from the recovery passphrase instead. Removing a member deletes their
sealed copy. Nothing is sealed to an account that has no key pair yet (an invitation not yet
accepted, ``auth.invitations``): approval waits until its person has set a password. Resetting
someone's two-factor or password withdraws their copies (``withdraw_all``): they stay invited
and need a current holder's approval again.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Account, GroupKey, GroupMembership


class GroupError(ValueError):
    """The membership change is not allowed; the message is safe to show."""


def _context(group_key_id: int, account_id: int) -> bytes:
    return f"group-key|{group_key_id}|account|{account_id}".encode("ascii")


def group_for(session: Session, account: Account) -> GroupKey | None:
    """The one group an account's role may belong to: coordinators the scheme key, police their unit's."""
    if account.role == "coordinator":
        return keystore.scheme_key(session)
    if account.role == "police" and account.police_unit_id is not None:
        return keystore.unit_key(session, account.police_unit_id)
    return None


def membership(session: Session, group_key_id: int, account_id: int) -> GroupMembership | None:
    return session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_key_id == group_key_id, GroupMembership.account_id == account_id
        )
    )


def invite(session: Session, account: Account, actor_id: int | None) -> GroupMembership:
    group = group_for(session, account)
    if group is None:
        raise GroupError("This role holds no group key.")
    if not account.active:
        raise GroupError("The account is deactivated.")
    existing = membership(session, group.id, account.id)
    if existing is not None:
        return existing
    member = GroupMembership(group_key_id=group.id, account_id=account.id, invited_by=actor_id)
    session.add(member)
    session.flush()
    audit.record(session, "group_invited", actor_id=actor_id, subject_account_id=account.id, detail={"group": group.id})
    return member


NOT_ACCEPTED = (
    "This person has not accepted their invitation yet: they can be given the key once they have set a password."
)


def _seal_to(session: Session, member: GroupMembership, group_pair: sealing.KeyPair, approver_id: int | None) -> None:
    newcomer = session.get(Account, member.account_id)
    if not newcomer.public_key:
        # No key pair yet (``accounts.has_key``; not imported: auth depends on keys, not back).
        raise GroupError(NOT_ACCEPTED)
    member.sealed = sealing.seal(newcomer.public_key, group_pair.private, _context(member.group_key_id, newcomer.id))
    member.approved_by = approver_id
    session.flush()


def open_group_key(session: Session, account_id: int, personal: sealing.KeyPair, group_key_id: int) -> sealing.KeyPair:
    """The group key pair as held by this person; raises GroupError if they hold no copy."""
    member = membership(session, group_key_id, account_id)
    if member is None or member.sealed is None:
        raise GroupError("You do not hold this key.")
    try:
        private = sealing.unseal(personal, member.sealed, _context(group_key_id, account_id))
    except DecryptionError:
        raise GroupError("Your copy of this key cannot be opened.") from None
    # During a rotation (keys.rotation) the pair also opens what is still sealed to the old key.
    return keystore.with_predecessors(session, sealing.key_pair_from_private(private))


def pending_for(session: Session, account_id: int) -> list[GroupMembership]:
    """Invitations this person can approve: pending memberships of groups they hold."""
    held = select(GroupMembership.group_key_id).where(
        GroupMembership.account_id == account_id, GroupMembership.sealed.is_not(None)
    )
    return list(
        session.scalars(
            select(GroupMembership)
            .where(GroupMembership.sealed.is_(None), GroupMembership.group_key_id.in_(held))
            .order_by(GroupMembership.id)
        )
    )


def approve(session: Session, member: GroupMembership, approver: Account, personal: sealing.KeyPair) -> None:
    """Seal the group key, opened with ``approver``'s ``personal`` key pair, to the invited member.

    Raises GroupError if the approver holds no openable copy, or the member has no key pair
    yet (``NOT_ACCEPTED``). Audited ``group_approved``. Does nothing if already approved."""
    if member.sealed is not None:
        return
    group_pair = open_group_key(session, approver.id, personal, member.group_key_id)
    _seal_to(session, member, group_pair, approver.id)
    audit.record(
        session,
        "group_approved",
        actor_id=approver.id,
        subject_account_id=member.account_id,
        detail={"group": member.group_key_id},
    )


def claim_with_recovery(session: Session, member: GroupMembership, passphrase: str, actor_id: int | None) -> None:
    """Seal the group key to an invited member using the recovery passphrase from setup.

    Raises GroupError for a wrong passphrase or a member with no key pair yet."""
    if not session.get(Account, member.account_id).public_key:
        raise GroupError(NOT_ACCEPTED)
    try:
        opened = keystore.open_group_keys(session, passphrase)
    except DecryptionError:
        raise GroupError("That recovery passphrase does not open the keys.") from None
    _seal_to(session, member, opened[member.group_key_id], actor_id)
    audit.record(
        session,
        "group_key_from_recovery",
        actor_id=actor_id,
        subject_account_id=member.account_id,
        detail={"group": member.group_key_id},
    )


def remove(session: Session, member: GroupMembership, actor_id: int | None) -> None:
    account_id, group_id = member.account_id, member.group_key_id
    session.execute(delete(GroupMembership).where(GroupMembership.id == member.id))
    audit.record(session, "group_removed", actor_id=actor_id, subject_account_id=account_id, detail={"group": group_id})


def withdraw_all(session: Session, account_id: int, actor_id: int | None) -> int:
    """Delete every group-key copy sealed to ``account_id``, keeping the memberships as pending
    invitations so that a current key holder can approve again; returns how many were withdrawn.

    For a reset of the person's two-factor or password: whoever completes the next login might
    not be them. Each withdrawn copy is audited ``group_key_withdrawn`` with its group."""
    held = list(
        session.scalars(
            select(GroupMembership)
            .where(GroupMembership.account_id == account_id, GroupMembership.sealed.is_not(None))
            .order_by(GroupMembership.id)
        )
    )
    for member in held:
        member.sealed = None
        member.approved_by = None
        audit.record(
            session,
            "group_key_withdrawn",
            actor_id=actor_id,
            subject_account_id=account_id,
            detail={"group": member.group_key_id},
        )
    session.flush()
    return len(held)
