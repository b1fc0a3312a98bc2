"""Rotating a group key (issue 17, ``keys rotate``): after it, the old private key opens nothing
stored, filed before or after; every receipt and every current holder (coordinator, the unit's
officer, the recovery passphrase) still opens what it opened; a removed member's old copy opens
nothing new; a run stopped after some batches finishes when run again; a report filed, and
everything read, while it runs works; no copy of the old private key is left in the database's
files; one audit entry per run."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.dbscan import raw_database, stored_in
from tests.support.erasure import (
    COVERING,
    CRIME_REFERENCE,
    NOTE,
    derive_everything,
    file,
    report_of,
    scheme_pair_of,
    staff,
)
from tests.support.reading import readable_sections, try_every_section
from tests.support.staff import PASSWORD, create, grant
from ugly_mugs.auth import accounts
from ugly_mugs.coordinator import casework
from ugly_mugs.crypto import DecryptionError, receipt, sealing
from ugly_mugs.keys import erasure, groups, keystore, rotation, sealed_text
from ugly_mugs.models import (
    Account,
    Alert,
    AuditEntry,
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
from ugly_mugs.police import release
from ugly_mugs.reports import reading, sections


class Stop(Exception):
    pass


def bare(pair: sealing.KeyPair) -> sealing.KeyPair:
    return sealing.KeyPair(pair.private, pair.public)


def unit_pair_of(session, officer_id: int) -> sealing.KeyPair:
    account = session.get(Account, officer_id)
    personal = accounts.open_with_password(account, PASSWORD).personal
    return groups.open_group_key(session, officer_id, personal, keystore.unit_key(session, account.police_unit_id).id)


def opens_anything_stored(session, pair: sealing.KeyPair) -> list[str]:
    """Every stored seal that ``pair`` alone opens: section keys under any holder name, staff text
    keys, group-key copies (tried with every context they could be bound to)."""
    pair = bare(pair)
    found = []
    for report_id in session.scalars(select(ReportSection.report_id).distinct()):
        names = try_every_section(session, _report(session, report_id), pair)
        found += [f"section {report_id} {name}" for name in names]
    keys, _ = erasure.store_of(session).lookup(session.scalars(select(ReportSection.report_id).distinct()).all())
    for note in session.scalars(select(CaseNote)):
        found += _texts(
            keys,
            note.report_id,
            note.ciphertext,
            [note.sealed_key],
            sealed_text.case_note_context(note.report_id),
            pair,
        )
    for item in session.scalars(select(PoliceRelease)):
        for text, seals, context in (
            (item.note, [item.note_key_scheme, item.note_key_unit], sealed_text.release_note_context(item.id)),
            (
                item.crime_reference,
                [item.crime_reference_key_scheme, item.crime_reference_key_unit],
                sealed_text.crime_reference_context(item.id),
            ),
        ):
            found += _texts(keys, item.report_id, text, seals, context, pair)
    for alert in session.scalars(select(Alert)):
        found += _texts(
            keys,
            alert.report_id,
            alert.draft,
            [alert.draft_key_scheme],
            sealed_text.alert_draft_context(alert.reference),
            pair,
        )
    for copy in session.scalars(select(GroupMembership).where(GroupMembership.sealed.is_not(None))):
        found += _group_copy(copy.sealed, pair, f"group-key|{copy.group_key_id}|account|{copy.account_id}")
    for copy in session.scalars(select(SealedGroupKey)):
        for context in (keystore.recovery_context(copy.group_key_id), keystore.successor_context(copy.group_key_id)):
            found += _group_copy(copy.sealed, pair, context.decode())
    return found


def _report(session, report_id):
    from ugly_mugs.models import Report

    return session.get(Report, report_id)


def _texts(keys, report_id, text, seals, context, pair) -> list[str]:
    found = []
    if not text or report_id not in keys:
        return found
    for seal in seals:
        for holder in (sections.SCHEME, sections.UNIT):
            if not seal:
                continue
            try:
                sealed_text.open_bytes(text, seal, pair, context, holder, erasure.ReportKey(report_id, keys[report_id]))
            except DecryptionError:
                continue
            found.append(f"text {context} {holder}")
    return found


def _group_copy(sealed: bytes, pair, context: str) -> list[str]:
    try:
        sealing.unseal(pair, sealed, context.encode())
    except DecryptionError:
        return []
    return [f"group copy {context}"]


def scenario(app, client, passphrase):
    """A coordinator, an officer of the first unit, a coordinator removed (who kept their copy),
    reports of every consent level, one with everything derived from it, one erased."""
    people = staff(app, passphrase)
    officer = create(app, "pc.unit", "police")
    grant(app, officer, passphrase)
    gone = create(app, "bob.gone", "coordinator")
    grant(app, gone, passphrase)
    filed = [
        file(client, f"Before{n}", level, photos=True)
        for n, level in enumerate(("full", "anonymous_intel", "alert_only"))
    ]
    erased = file(client, "Erased")
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        derive_everything(session, filed[0].reference, people, passphrase)
        session.expire_all()
        kept = bare(scheme_pair_of(session, gone.id))
        member = groups.membership(session, keystore.scheme_key(session).id, gone.id)
        groups.remove(session, member, people.coordinator)
        session.commit()
        erasure.store_of(session).destroy([report_of(session, erased.reference).id])
        opened = keystore.open_group_keys(session, passphrase)
        old_scheme = bare(opened[keystore.scheme_key(session).id])
        old_unit = bare(unit_pair_of(session, officer.id))
        copies = [m.sealed for m in session.scalars(select(GroupMembership).where(GroupMembership.sealed.is_not(None)))]
        copies += session.scalars(select(SealedGroupKey.sealed)).all()
    assert kept.private == old_scheme.private
    return people, officer, filed, old_scheme, old_unit, copies


def what_each_opens(app, people, officer, filed) -> dict:
    """Everything each holder opens: coordinator (sections, notes, release texts, drafts), officer, receipts."""
    seen = {}
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        session.expire_all()
        scheme = scheme_pair_of(session, people.coordinator)
        unit = unit_pair_of(session, officer.id)
        for item in filed:
            report = report_of(session, item.reference)
            by_scheme = reading.open_with_scheme_key(session, report.id, scheme)
            seen[(item.reference, "scheme")] = by_scheme.sections
            scheme_id = keystore.scheme_key(session).id
            seen[(item.reference, "photos")] = [
                reading.open_photo(session, report.id, ref, scheme, sections.SCHEME, scheme_id)
                for ref in by_scheme.photos
            ]
            seen[(item.reference, "unit")] = readable_sections(session, report, unit, sections.UNIT)
            seen[(item.reference, "receipt")] = reading.open_with_receipt(
                session, report.id, receipt.receipt_key(item.code)
            ).sections
            seen[(item.reference, "notes")] = [n.text for n in casework.notes(session, report, scheme)]
            for passed in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)):
                seen[(item.reference, "release")] = (
                    release.note_for(session, passed, scheme, sections.SCHEME),
                    release.note_for(session, passed, unit, sections.UNIT),
                    release.crime_reference_for(session, passed, scheme, sections.SCHEME),
                    release.crime_reference_for(session, passed, unit, sections.UNIT),
                )
            drafts = session.scalars(select(Alert).where(Alert.report_id == report.id, Alert.draft.is_not(None)))
            seen[(item.reference, "drafts")] = [
                sealed_text.open_bytes(
                    a.draft,
                    a.draft_key_scheme,
                    scheme,
                    sealed_text.alert_draft_context(a.reference),
                    sections.SCHEME,
                    erasure.report_key(session, report.id),
                )
                for a in drafts
            ]
    return seen


def test_rotating_the_scheme_key_leaves_the_old_key_opening_nothing(app, client, passphrase, database_url):
    people, officer, filed, old_scheme, _old_unit, copies = scenario(app, client, passphrase)
    before = what_each_opens(app, people, officer, filed)
    assert before[(filed[0].reference, "notes")] == [NOTE]
    assert before[(filed[0].reference, "release")] == (COVERING, COVERING, CRIME_REFERENCE, CRIME_REFERENCE)
    assert all(before[(f.reference, "scheme")] for f in filed)
    assert all(len(before[(f.reference, "photos")]) == 2 and all(before[(f.reference, "photos")]) for f in filed)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        held = opens_anything_stored(session, old_scheme)  # the check finds what the key opens
    assert any(h.startswith("section") for h in held) and any(h.startswith("text") for h in held)
    seen_stages = []
    done = rotation.rotate(app.extensions["ugly_mugs.sessionmaker"], passphrase, batch=3, progress=seen_stages.append)
    assert not done.resumed and done.section_seals > 3 and done.erased_seals_deleted > 0
    assert done.texts >= 4 and done.members == 1  # the coordinator; the removed one gets nothing
    assert {p.stage for p in seen_stages} >= {"section seals", "staff texts", "old key destroyed"}

    after_filing = file(client, "After", "full")
    everyone = [*filed, after_filing]
    after = what_each_opens(app, people, officer, everyone)
    for key, value in before.items():
        assert after[key] == value, key
    assert after[(after_filing.reference, "scheme")] and after[(after_filing.reference, "receipt")]

    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert opens_anything_stored(session, old_scheme) == []
        # The recovery passphrase opens the new key; no trace of the old row.
        opened = keystore.open_group_keys(session, passphrase)
        assert keystore.scheme_key(session).id in opened
        assert keystore.retiring_ids(session) == []
        assert session.scalar(select(func.count()).select_from(GroupKey)) == len(opened)
        assert session.scalar(select(func.count()).where(SealedSectionKey.group_key_id.not_in(opened))) == 0
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "group_key_rotation")).all()
        assert len(entries) == 1 and entries[0].detail["group"] == "scheme"
        assert set(entries[0].detail) >= {"seals", "resumed"}


def test_no_copy_of_the_old_private_key_is_left_in_the_files(app, client, passphrase, database_url):
    _people, _officer, _filed, old_scheme, _old_unit, _copies = scenario(app, client, passphrase)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        scheme_id = keystore.scheme_key(session).id
        old_copies = [
            m.sealed
            for m in session.scalars(
                select(GroupMembership).where(
                    GroupMembership.group_key_id == scheme_id, GroupMembership.sealed.is_not(None)
                )
            )
        ]
        old_copies += session.scalars(
            select(SealedGroupKey.sealed).where(SealedGroupKey.group_key_id == scheme_id)
        ).all()
    stored = raw_database(database_url)
    assert len(old_copies) == 2  # the coordinator's copy and the recovery copy (the removed one is gone)
    assert all(stored_in(c, stored) for c in old_copies)  # the scan finds them while they exist
    rotation.rotate(maker, passphrase, batch=2)
    stored = raw_database(database_url)
    assert [c for c in old_copies if stored_in(c, stored)] == []
    assert not stored_in(old_scheme.public, stored)


def test_a_rotation_stopped_after_some_batches_finishes_when_run_again(app, client, passphrase):
    people, officer, filed, old_scheme, _old_unit, _copies = scenario(app, client, passphrase)
    before = what_each_opens(app, people, officer, filed)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    calls = []

    def crash(progress):
        calls.append(progress)
        if len(calls) == 2:
            raise Stop

    with pytest.raises(Stop):
        rotation.rotate(maker, passphrase, batch=2, progress=crash)
    # Half-way: both keys exist, and every holder still opens everything.
    with maker() as session:
        assert len(keystore.retiring_ids(session)) == 1
    assert what_each_opens(app, people, officer, filed) == before
    done = rotation.rotate(maker, passphrase, batch=2)
    assert done.resumed
    assert what_each_opens(app, people, officer, filed) == before
    with maker() as session:
        assert keystore.retiring_ids(session) == []
        assert opens_anything_stored(session, old_scheme) == []
        assert session.scalar(select(func.count()).where(AuditEntry.action == "group_key_rotation")) == 2


def test_a_report_filed_and_reports_read_while_it_runs(app, client, passphrase):
    people, officer, filed, old_scheme, _old_unit, _copies = scenario(app, client, passphrase)
    before = what_each_opens(app, people, officer, filed)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    during = []
    reads = []

    def meanwhile(progress):
        if not during:
            during.append(file(client, "During", "full"))
        reads.append(what_each_opens(app, people, officer, filed) == before)

    rotation.rotate(maker, passphrase, batch=2, progress=meanwhile)
    assert reads and all(reads)
    after = what_each_opens(app, people, officer, [*filed, *during])
    assert after[(during[0].reference, "scheme")] and after[(during[0].reference, "receipt")]
    with maker() as session:
        assert opens_anything_stored(session, old_scheme) == []


def test_a_report_sealed_to_the_old_key_by_a_filing_already_under_way_is_moved(app, client, passphrase):
    """A filing that read the old public key before the new one took its place commits its
    seals under the old key afterwards: the run moves them before destroying the old key."""
    people, officer, filed, old_scheme, _old_unit, _copies = scenario(app, client, passphrase)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    late = []

    def meanwhile(progress):
        if late:
            return
        late.append(file(client, "Late", "full"))
        with maker() as session:
            retiring = keystore.retiring_ids(session)[0]
            report = report_of(session, late[0].reference)
            for seal in session.scalars(
                select(SealedSectionKey)
                .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
                .where(ReportSection.report_id == report.id, SealedSectionKey.holder == sections.SCHEME)
            ):
                # Sealed again to the old key, as a filing that began before the switch would have.
                key = erasure.report_key(session, report.id)
                section = session.get(ReportSection, seal.section_id)
                section_key = sections.open_with_key_pair(
                    scheme_pair_of(session, people.coordinator),
                    seal.sealed,
                    report.id,
                    section.name,
                    section.version,
                    sections.SCHEME,
                    key,
                )
                seal.sealed = sections.seal_to_public_key(
                    old_scheme.public, section_key, report.id, section.name, section.version, sections.SCHEME, key
                )
                seal.group_key_id = retiring
            session.commit()

    rotation.rotate(maker, passphrase, batch=2, progress=meanwhile)
    after = what_each_opens(app, people, officer, late)
    assert set(after[(late[0].reference, "scheme")]) == {"identity", "incident", "perpetrator"}
    with maker() as session:
        assert opens_anything_stored(session, old_scheme) == []


def test_rotating_a_unit_key(app, client, passphrase):
    people, officer, filed, _old_scheme, old_unit, _copies = scenario(app, client, passphrase)
    before = what_each_opens(app, people, officer, filed)
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        code = session.get(Account, officer.id).police_unit_id
        from ugly_mugs.models import PoliceUnit

        code = session.get(PoliceUnit, code).code
    done = rotation.rotate(maker, passphrase, unit_code=code, batch=2)
    assert done.members == 1 and done.texts >= 2
    assert what_each_opens(app, people, officer, filed) == before
    with maker() as session:
        assert opens_anything_stored(session, old_unit) == []
    with pytest.raises(rotation.RotationError):
        rotation.rotate(maker, passphrase, unit_code="NOPE")


def test_the_command_asks_for_the_passphrase_and_refuses_a_wrong_one(app, client, passphrase):
    file(client, "Cli", "full")
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["keys", "rotate", "scheme"], input="WRONG-PASS\n")
    assert wrong.exit_code != 0 and "does not open" in wrong.output
    done = runner.invoke(args=["keys", "rotate", "scheme", "--batch", "1"], input=passphrase + "\n")
    assert done.exit_code == 0, done.output
    assert "rotated:" in done.output and "section seals:" in done.output
    assert passphrase not in done.output


def test_a_key_holder_can_rotate_and_finish_a_stopped_run_without_the_passphrase(app, client, passphrase):
    people, officer, filed, old_scheme, old_unit, _copies = scenario(app, client, passphrase)
    before = what_each_opens(app, people, officer, filed)
    maker = app.extensions["ugly_mugs.sessionmaker"]

    def crash(progress):
        raise Stop

    with pytest.raises(Stop):
        rotation.rotate(maker, passphrase, batch=2, progress=crash)
    runner = app.test_cli_runner()
    with maker() as session:
        unit_code = session.get(PoliceUnit, session.get(Account, officer.id).police_unit_id).code
    # Someone without a copy (the removed coordinator), or a wrong password, cannot.
    for name, password in (("bob.gone", PASSWORD), ("ann.erasure", "not the password")):
        refused = runner.invoke(args=["keys", "rotate", "scheme", "--holder", name], input=password + "\n")
        assert refused.exit_code != 0, refused.output
    done = runner.invoke(args=["keys", "rotate", "scheme", "--holder", "ann.erasure"], input=PASSWORD + "\n")
    assert done.exit_code == 0 and "finished an interrupted rotation" in done.output, done.output
    done = runner.invoke(args=["keys", "rotate", "unit", unit_code, "--holder", "pc.unit"], input=PASSWORD + "\n")
    assert done.exit_code == 0 and "rotated:" in done.output, done.output
    assert PASSWORD not in done.output
    assert what_each_opens(app, people, officer, filed) == before
    with maker() as session:
        assert opens_anything_stored(session, old_scheme) == []
        assert opens_anything_stored(session, old_unit) == []
        actors = session.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "group_key_rotation")).all()
        assert actors == [None, people.coordinator, officer.id]


def test_a_first_release_x25519_scheme_key_is_rotated_to_a_hybrid_one(app, client, passphrase):
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        # The scheme key as an installation of the first release has it: X25519, version-1 seals.
        scheme = keystore.scheme_key(session)
        first = sealing.generate_key_pair(sealing.X25519)
        scheme.public_key = first.public
        [copy] = session.scalars(select(SealedGroupKey).where(SealedGroupKey.group_key_id == scheme.id)).all()
        recovery_public = session.get(RecoveryKey, copy.recovery_key_id).public_key
        copy.sealed = sealing.seal(recovery_public, first.private, keystore.recovery_context(scheme.id))
        session.commit()
    people, officer, filed, old_scheme, _old_unit, _copies = scenario(app, client, passphrase)
    assert old_scheme.kind == sealing.X25519
    before = what_each_opens(app, people, officer, filed)
    assert all(before[(f.reference, "scheme")] for f in filed)
    rotation.rotate(maker, passphrase, batch=2)
    assert what_each_opens(app, people, officer, filed) == before
    with maker() as session:
        assert sealing.kind_of(keystore.scheme_key(session).public_key) == sealing.HYBRID
        assert opens_anything_stored(session, old_scheme) == []
