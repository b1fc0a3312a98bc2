"""Rotating a group key (the scheme key or one police unit's key). No Flask imports.

Why: removing a member deletes their sealed copy of the group key, but a member who kept the
private key (an old backup, an extracted key) would open every report sealed to it later.
Rotation makes a new key pair and moves every seal to it; then every copy of the old private
key is destroyed, so what anyone kept opens nothing stored from then on.

A run, unlocked with the recovery passphrase or by a member who holds the key:

1. **Begin** (one transaction): a new key pair takes the group's place (``kind`` and police
   unit); the old row stays, marked ``retiring``, until the end. The new private key is sealed
   to the recovery key, to every active member who holds the old one, and to the old row
   (``successor`` copy: the old private key sealed to the new public key), so that whoever
   holds the new key also opens what is still sealed to the old. Pending invitations move to
   the new key. From this commit on, filings seal to the new key.
2. **Re-seal** in batches, each committed on its own: every section-key seal under the old key
   is opened with it and sealed to the new one, inside the same erasure-key wrapping
   (``keys.erasure``); content is never decrypted or re-encrypted. Seals of erased reports are
   deleted (nothing can open them). Then staff text (case notes, covering notes, crime
   references, alert drafts) the same way, trying the old key on each: text already moved does
   not open with it and is left as it is.
3. **Destroy**: once no seal refers to the old key (filings that read the old public key before
   step 1 committed are caught by running the re-seal again), its member copies, its recovery
   copy, its successor copy and the row itself are deleted, in one transaction.

Readers keep working throughout: the holders' key pair carries its predecessors
(``sealing.KeyPair.previous``, from ``keystore.with_predecessors``) and reading takes seals under
the retiring key too. A run that stops can be run again: it finds the retiring key whose
successor copy the current key opens and goes on from where it was. Audited once per run
(``group_key_rotation``), with counts only, before any seal is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, groups, keystore, sealed_text
from ugly_mugs.models import (
    Account,
    Alert,
    CaseNote,
    GroupKey,
    GroupMembership,
    PoliceRelease,
    PoliceUnit,
    RecoveryKey,
    ReportSection,
    SealedGroupKey,
    SealedSectionKey,
)


class RotationError(ValueError):
    """The rotation cannot go ahead; the message is safe to show."""


@dataclass(frozen=True)
class Progress:
    """How far a rotation is: ``done`` of ``total`` in ``stage`` (counts of seals or texts)."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class Rotated:
    """What a run did: ``group_key_id`` the new key; counts of seals moved, seals of erased
    reports deleted, texts moved, member copies made and old private-key copies destroyed."""

    group_key_id: int
    resumed: bool
    section_seals: int
    erased_seals_deleted: int
    texts: int
    members: int
    copies_destroyed: int


def _member_context(group_key_id: int, account_id: int) -> bytes:
    # The same binding as ugly_mugs.keys.groups uses for a member's copy.
    return f"group-key|{group_key_id}|account|{account_id}".encode("ascii")


def _holder(group: GroupKey) -> str:
    # Section and text seals name their holder: "scheme", or "unit" for police unit keys.
    return "scheme" if group.kind == keystore.SCHEME else "unit"


def _target(session: Session, unit_code: str | None) -> GroupKey:
    if unit_code is None:
        return keystore.scheme_key(session)
    unit = session.scalar(select(PoliceUnit).where(PoliceUnit.code == unit_code))
    if unit is None:
        raise RotationError(f"there is no police unit {unit_code!r}")
    return keystore.unit_key(session, unit.id)


def _begin(session: Session, old: GroupKey, old_pair: sealing.KeyPair) -> tuple[GroupKey, sealing.KeyPair, int]:
    """Step 1: the new key takes the old one's place; returns (new row, new pair, member copies made)."""
    recovery = session.scalars(select(RecoveryKey).order_by(RecoveryKey.id.desc())).first()
    new_pair = sealing.generate_key_pair()
    kind, unit_id = old.kind, old.police_unit_id
    old.kind, old.police_unit_id = keystore.RETIRING, None
    session.flush()
    new = GroupKey(kind=kind, police_unit_id=unit_id, public_key=new_pair.public)
    session.add(new)
    session.flush()
    session.add(
        SealedGroupKey(
            group_key_id=new.id,
            recovery_key_id=recovery.id,
            sealed=sealing.seal(recovery.public_key, new_pair.private, keystore.recovery_context(new.id)),
        )
    )
    session.add(
        SealedGroupKey(
            group_key_id=old.id,
            recovery_key_id=None,
            sealed=sealing.seal(new.public_key, old_pair.private, keystore.successor_context(old.id)),
        )
    )
    session.flush()
    return new, new_pair, _seal_to_members(session, old.id, new.id, new_pair)


def _seal_to_members(session: Session, old_id: int, new_id: int, new_pair: sealing.KeyPair) -> int:
    """Seal the new key to every active holder of the old one that has no copy yet; move pending
    invitations. Returns how many copies were made."""
    made = 0
    have = set(session.scalars(select(GroupMembership.account_id).where(GroupMembership.group_key_id == new_id)))
    for member in session.scalars(
        select(GroupMembership).where(GroupMembership.group_key_id == old_id).order_by(GroupMembership.id)
    ).all():
        if member.account_id in have:
            continue
        account = session.get(Account, member.account_id)
        if member.sealed is None:
            member.group_key_id = new_id
            continue
        if not account.active or not account.public_key:
            continue
        session.add(
            GroupMembership(
                group_key_id=new_id,
                account_id=account.id,
                sealed=sealing.seal(account.public_key, new_pair.private, _member_context(new_id, account.id)),
                invited_by=member.invited_by,
                approved_by=member.approved_by,
            )
        )
        made += 1
    session.flush()
    return made


def _reseal_sections(
    session: Session, old: GroupKey, old_pair: sealing.KeyPair, new: GroupKey, batch: int
) -> tuple[int, int]:
    """One batch of section-key seals under ``old`` moved to ``new``: (moved, deleted as erased)."""
    rows = session.execute(
        select(SealedSectionKey, ReportSection.report_id, ReportSection.name, ReportSection.version)
        .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
        .where(SealedSectionKey.group_key_id == old.id)
        .order_by(SealedSectionKey.id)
        .limit(batch)
        .with_for_update(of=SealedSectionKey)
    ).all()
    if not rows:
        return 0, 0
    report_ids = {row.report_id for row in rows}
    keys = erasure.report_keys(session, report_ids)
    _, erased = erasure.store_of(session).lookup([rid for rid in report_ids if rid not in keys])
    moved = deleted = 0
    for seal, report_id, name, version in rows:
        if report_id not in keys:
            if report_id not in erased:
                erasure.report_key(session, report_id)  # raises ErasureKeyMissing: wrong key store
            session.delete(seal)
            deleted += 1
            continue
        report_key = keys[report_id]
        context = _section_context(report_id, name, version, seal.holder)
        try:
            secret = _unseal_exact(old_pair, report_key.unwrap(seal.sealed, context), context)
        except DecryptionError:
            # Not openable with the old key: nothing to move; it goes to the new key's id as it is.
            seal.group_key_id = new.id
            continue
        seal.sealed = report_key.wrap(sealing.seal(new.public_key, secret, context), context)
        seal.group_key_id = new.id
        moved += 1
    session.flush()
    return moved, deleted


def _section_context(report_id: str, name: str, version: int, holder: str) -> bytes:
    # reports.sections.key_context, repeated: keys sits below reports in the layering.
    return f"section-key|{report_id}|{name}|{version}|{holder}".encode("ascii")


def _unseal_exact(pair: sealing.KeyPair, sealed: bytes, context: bytes) -> bytes:
    """Open with ``pair`` alone, never its predecessors."""
    return sealing.unseal(sealing.KeyPair(pair.private, pair.public), sealed, context)


# Where staff text is sealed to a group key: (model, report id of a row, [(ciphertext attribute,
# sealed-key attribute, context of a row)]). Unit keys hold only the release texts.
def _text_tables(holder: str):
    release_fields = [
        ("note", f"note_key_{holder}", lambda r: sealed_text.release_note_context(r.id)),
        ("crime_reference", f"crime_reference_key_{holder}", lambda r: sealed_text.crime_reference_context(r.id)),
    ]
    tables = [(PoliceRelease, lambda r: r.report_id, release_fields)]
    if holder == "scheme":
        tables.append(
            (
                CaseNote,
                lambda r: r.report_id,
                [("ciphertext", "sealed_key", lambda r: sealed_text.case_note_context(r.report_id))],
            )
        )
        tables.append(
            (
                Alert,
                lambda r: r.report_id,
                [("draft", "draft_key_scheme", lambda r: sealed_text.alert_draft_context(r.reference))],
            )
        )
    return tables


def _reseal_texts(
    sessions: Callable[[], Session],
    old_pair: sealing.KeyPair,
    new: GroupKey,
    unit_id: int | None,
    batch: int,
    tell: Callable[[Progress], None],
) -> int:
    holder = _holder(new)
    moved = seen = 0
    total = _count_texts(sessions, holder, unit_id)
    for model, report_of, fields in _text_tables(holder):
        after = 0
        while True:
            with sessions() as session:
                query = select(model).where(model.id > after).order_by(model.id).limit(batch)
                if model is PoliceRelease and unit_id is not None:
                    query = query.where(PoliceRelease.police_unit_id == unit_id)
                rows = session.scalars(query.with_for_update()).all()
                if not rows:
                    break
                keys = erasure.report_keys(session, {report_of(r) for r in rows if report_of(r)})
                for row in rows:
                    seen += 1
                    report_key = keys.get(report_of(row)) if report_of(row) else None
                    if report_key is None:
                        continue  # erased: nothing opens it any more
                    for _text_attr, key_attr, context_of in fields:
                        wrapped = getattr(row, key_attr)
                        if not wrapped:
                            continue
                        bound = sealed_text.seal_context(context_of(row), holder)
                        try:
                            secret = _unseal_exact(old_pair, report_key.unwrap(wrapped, bound), bound)
                        except DecryptionError:
                            continue  # moved already (a resumed run), or never under the old key
                        setattr(row, key_attr, report_key.wrap(sealing.seal(new.public_key, secret, bound), bound))
                        moved += 1
                session.commit()
                after = rows[-1].id
            tell(Progress("staff texts", seen, max(total, seen)))
    return moved


def _count_texts(sessions: Callable[[], Session], holder: str, unit_id: int | None) -> int:
    total = 0
    with sessions() as session:
        for model, _report_of, _fields in _text_tables(holder):
            query = select(func.count()).select_from(model)
            if model is PoliceRelease and unit_id is not None:
                query = query.where(PoliceRelease.police_unit_id == unit_id)
            total += session.scalar(query)
    return total


def _seals_under(session: Session, group_key_id: int) -> int:
    return session.scalar(select(func.count()).where(SealedSectionKey.group_key_id == group_key_id))


def _unlock(
    session: Session, current: GroupKey, passphrase: str | None, holder: tuple[int, sealing.KeyPair] | None
) -> sealing.KeyPair:
    """The current key pair (without predecessors), from the recovery passphrase or a holder's copy."""
    if holder is not None:
        account_id, personal = holder
        try:
            pair = groups.open_group_key(session, account_id, personal, current.id)
        except groups.GroupError as exc:
            raise RotationError(str(exc)) from None
    else:
        pair = keystore.open_group_keys(session, passphrase or "").get(current.id)
        if pair is None:
            raise DecryptionError("the recovery passphrase does not open this key")
    return sealing.KeyPair(pair.private, pair.public)


def rotate(
    sessions: Callable[[], Session],
    passphrase: str | None,
    unit_code: str | None = None,
    batch: int = 500,
    progress: Callable[[Progress], None] | None = None,
    holder: tuple[int, sealing.KeyPair] | None = None,
) -> Rotated:
    """Rotate the scheme key (``unit_code`` None) or the key of the police unit ``unit_code``,
    or finish a rotation of it that stopped.

    Unlocked by the recovery ``passphrase``, or by ``holder``: (account id, personal key pair) of
    a member who holds the key (their copy of the current key opens the retiring one too).
    ``sessions`` makes a new session (each batch commits its own); ``progress`` is called after
    each committed batch with counts only. Raises DecryptionError if the recovery passphrase does
    not open the key, RotationError for an unknown unit or a holder without a copy, and
    ErasureKeyMissing when a report's erasure key is neither in the key store nor erased (the
    wrong key store: nothing is destroyed).
    """
    tell = progress or (lambda _p: None)
    with sessions() as session:
        current = _target(session, unit_code)
        pair = _unlock(session, current, passphrase, holder)
        old = keystore.predecessor_of(session, current.id, pair)
        made = 0
        if old is None:
            resumed = False
            old, old_pair = current, pair
            new, new_pair, made = _begin(session, old, old_pair)
        else:
            resumed = True
            old_pair = keystore.open_successor_copy(session, old.id, pair)
            new, new_pair = current, pair
            made = _seal_to_members(session, old.id, new.id, new_pair)
        seals_total = _seals_under(session, old.id)
        unit_id = new.police_unit_id
        old_id, new_id = old.id, new.id
        audit.record(
            session,
            "group_key_rotation",
            actor_id=holder[0] if holder else None,
            detail={
                "group": _holder(new),
                "unit": unit_code,
                "old_key": old_id,
                "new_key": new_id,
                "resumed": resumed,
                "seals": seals_total,
            },
        )
        session.commit()

    sealed_moved = deleted = 0

    def sweep() -> None:
        nonlocal sealed_moved, deleted
        while True:
            with sessions() as session:
                old_row, new_row = session.get(GroupKey, old_id), session.get(GroupKey, new_id)
                moved, gone = _reseal_sections(session, old_row, old_pair, new_row, batch)
                session.commit()
            if not moved and not gone and not _any_under(sessions, old_id):
                return
            sealed_moved += moved
            deleted += gone
            tell(Progress("section seals", sealed_moved + deleted, max(seals_total, sealed_moved + deleted)))

    sweep()
    with sessions() as session:
        new_row = session.get(GroupKey, new_id)
        session.expunge(new_row)
    texts = _reseal_texts(sessions, old_pair, new_row, unit_id, batch, tell)
    sweep()
    with sessions() as session:
        # Holders approved to the old key since the run began get the new one before it goes.
        made += _seal_to_members(session, old_id, new_id, new_pair)
        if _seals_under(session, old_id):
            session.rollback()
            raise RotationError("seals under the old key appeared at the last moment: run the command again")
        destroyed = session.execute(delete(GroupMembership).where(GroupMembership.group_key_id == old_id)).rowcount
        destroyed += session.execute(delete(SealedGroupKey).where(SealedGroupKey.group_key_id == old_id)).rowcount
        try:
            # A filing still under way that sealed to the old key holds its row (PostgreSQL waits
            # for it here, then refuses): nothing is destroyed, and the next run moves its seals.
            session.execute(delete(GroupKey).where(GroupKey.id == old_id))
            session.commit()
        except IntegrityError:
            session.rollback()
            raise RotationError("a report was sealed to the old key at the last moment: run again") from None
        keystore.purge_tables(session.get_bind(), ("group_membership", "sealed_group_key"))
    tell(Progress("old key destroyed", destroyed, destroyed))
    return Rotated(new_id, resumed, sealed_moved, deleted, texts, made, destroyed)


def _any_under(sessions: Callable[[], Session], group_key_id: int) -> bool:
    with sessions() as session:
        return bool(_seals_under(session, group_key_id))
