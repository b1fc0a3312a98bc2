"""Changing the recovery passphrase (issue 17, ``keys change-passphrase``): afterwards the old
passphrase opens no stored copy (group keys, accounts' personal keys) and none of those copies is
left in the database's files; the new one opens every group key and every account's copy; a
wrong current passphrase or a weak new one changes nothing; one audit entry with counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.dbscan import raw_database, stored_in
from tests.support.staff import create, grant
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import groups, keystore, recovery
from ugly_mugs.models import Account, AuditEntry, RecoveryKey, SealedGroupKey


def copies(session) -> list[tuple[bytes, bytes]]:
    """(sealed copy, context) of every recovery copy stored."""
    found = [
        (c.sealed, keystore.recovery_context(c.group_key_id))
        for c in session.scalars(select(SealedGroupKey).where(SealedGroupKey.recovery_key_id.is_not(None)))
    ]
    found += [
        (a.recovery_private_key, recovery.account_context(a.id))
        for a in session.scalars(select(Account).where(Account.recovery_private_key != b""))
    ]
    return found


def opened_by(pair: sealing.KeyPair, session) -> int:
    count = 0
    for sealed, context in copies(session):
        try:
            sealing.unseal(pair, sealed, context)
        except DecryptionError:
            continue
        count += 1
    return count


@pytest.fixture
def people(app, passphrase):
    ann = create(app, "ann.recovery", "coordinator")
    grant(app, ann, passphrase)
    officer = create(app, "pc.recovery", "police")
    grant(app, officer, passphrase)
    return ann, officer


def test_the_old_passphrase_opens_nothing_and_the_new_one_everything(app, passphrase, people, database_url):
    maker = app.extensions["ugly_mugs.sessionmaker"]
    new = keystore.new_passphrase()
    with maker() as session:
        before = keystore.open_group_keys(session, passphrase)
        [old_row] = session.scalars(select(RecoveryKey)).all()
        old_pair = keystore.recovery_pair(passphrase, old_row)
        old_copies = copies(session)
        assert opened_by(old_pair, session) == len(old_copies) == len(before) + 2
        done = recovery.change(session, passphrase, new)
        session.commit()
        keystore.purge_tables(session.get_bind(), ("recovery_key", "sealed_group_key", "account"))
    assert done == recovery.Changed(len(before), 2)
    with maker() as session:
        assert opened_by(old_pair, session) == 0
        with pytest.raises(DecryptionError):
            keystore.open_group_keys(session, passphrase)
        after = keystore.open_group_keys(session, new)
        assert {k: p.private for k, p in after.items()} == {k: p.private for k, p in before.items()}
        [row] = session.scalars(select(RecoveryKey)).all()
        assert opened_by(keystore.recovery_pair(new, row), session) == len(old_copies)
        for account in session.scalars(select(Account).where(Account.recovery_private_key != b"")):
            private = sealing.unseal(
                keystore.recovery_pair(new, row), account.recovery_private_key, recovery.account_context(account.id)
            )
            assert sealing.key_pair_from_private(private).public == account.public_key
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "recovery_passphrase_changed")).all()
        assert [e.detail for e in entries] == [{"group_keys": len(before), "accounts": 2}]
    # A newcomer can be given the key with the new passphrase only.
    cora = create(app, "cora.recovery", "coordinator")
    with maker() as session:
        member = groups.invite(session, session.get(Account, cora.id), None)
        with pytest.raises(groups.GroupError):
            groups.claim_with_recovery(session, member, passphrase, None)
        groups.claim_with_recovery(session, member, new, None)
        session.commit()
    stored = raw_database(database_url)
    assert [c for c, _ in old_copies if stored_in(c, stored)] == []
    assert not stored_in(old_row.public_key, stored)


@pytest.mark.parametrize(
    "old, new, error",
    [
        ("WRONG", None, DecryptionError),
        (None, "SHORT-1234", recovery.PassphraseError),
        (None, "same", recovery.PassphraseError),
    ],
)
def test_a_wrong_or_weak_passphrase_changes_nothing(app, passphrase, people, old, new, error):
    maker = app.extensions["ugly_mugs.sessionmaker"]
    old = old or passphrase
    new = passphrase.lower().replace("-", " ") if new == "same" else new or keystore.new_passphrase()
    with maker() as session:
        before = copies(session)
        with pytest.raises(error):
            recovery.change(session, old, new)
        session.rollback()
        assert copies(session) == before
        assert keystore.open_group_keys(session, passphrase)
        assert session.scalar(select(func.count()).where(AuditEntry.action == "recovery_passphrase_changed")) == 0


def test_the_command_reads_both_without_echo_or_generates_the_new_one(app, passphrase, people):
    runner = app.test_cli_runner()
    new = keystore.new_passphrase()
    wrong = runner.invoke(args=["keys", "change-passphrase"], input=f"WRONG\n{new}\n")
    assert wrong.exit_code != 0 and "nothing was changed" in wrong.output
    done = runner.invoke(args=["keys", "change-passphrase"], input=f"{passphrase}\n{new}\n")
    assert done.exit_code == 0, done.output
    assert passphrase not in done.output and new not in done.output
    generated = runner.invoke(args=["keys", "change-passphrase", "--generate"], input=f"{new}\n")
    assert generated.exit_code == 0, generated.output
    latest = generated.output.strip().rsplit(" ", 1)[-1]
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert keystore.open_group_keys(session, latest)
        with pytest.raises(DecryptionError):
            keystore.open_group_keys(session, new)
