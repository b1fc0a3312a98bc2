"""Changing the recovery passphrase. No Flask imports.

The recovery key pair is derived from the passphrase (``keys.keystore``); what it opens is the
recovery copy of every group private key (``sealed_group_key``) and of every account's personal
private key (``account.recovery_private_key``). Changing the passphrase derives a new recovery
key pair (fresh salt), seals each of those copies to it, and deletes the old recovery key row
and every copy sealed to it, in one transaction: the copies are few (one per group key and one
per account), and a half-done change would leave two passphrases each opening part. From then
on the old passphrase opens nothing stored. Audited ``recovery_passphrase_changed`` with counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.crypto import DecryptionError, passwords, sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Account, RecoveryKey, SealedGroupKey


class PassphraseError(ValueError):
    """The new passphrase is not acceptable; the message is safe to show."""


@dataclass(frozen=True)
class Changed:
    """How many group-key and account recovery copies were sealed to the new recovery key."""

    group_keys: int
    accounts: int


def account_context(account_id: int) -> bytes:
    # The binding ugly_mugs.auth.accounts gives an account's recovery copy.
    return f"account|{account_id}|recovery".encode("ascii")


def check_new(old: str, new: str) -> None:
    """Raises PassphraseError unless ``new`` has at least the strength of a generated one
    (``keystore.PASSPHRASE_SYMBOLS`` letters or digits) and differs from ``old``."""
    normal = keystore.normalise_passphrase(new)
    if len(normal) < keystore.PASSPHRASE_SYMBOLS:
        raise PassphraseError(
            f"the new passphrase needs at least {keystore.PASSPHRASE_SYMBOLS} letters or digits "
            "(use the one --generate prints)"
        )
    if normal == keystore.normalise_passphrase(old):
        raise PassphraseError("the new passphrase is the old one")


def change(session: Session, old: str, new: str, actor_id: int | None = None) -> Changed:
    """Seal every recovery copy to the key derived from ``new`` and destroy the old recovery key.

    Raises DecryptionError if ``old`` does not open every copy (nothing is changed), and
    PassphraseError for a weak or unchanged ``new`` (``check_new``). The caller commits."""
    check_new(old, new)
    olds = list(session.scalars(select(RecoveryKey).order_by(RecoveryKey.id)))
    if not olds:
        raise keystore.KeyUnavailable("the installation is not set up: there is no recovery key")
    pairs = {r.id: keystore.recovery_pair(old, r) for r in olds}
    groups: dict[int, bytes] = {}
    for copy in session.scalars(select(SealedGroupKey).where(SealedGroupKey.recovery_key_id.is_not(None))):
        groups[copy.group_key_id] = sealing.unseal(
            pairs[copy.recovery_key_id], copy.sealed, keystore.recovery_context(copy.group_key_id)
        )
    people: dict[int, bytes] = {}
    for account in session.scalars(select(Account).where(Account.recovery_private_key != b"")):
        for pair in pairs.values():
            try:
                people[account.id] = sealing.unseal(pair, account.recovery_private_key, account_context(account.id))
                break
            except DecryptionError:
                continue
        else:
            raise DecryptionError("the recovery passphrase does not open every account's recovery copy")
    salt = passwords.new_salt()
    params = passwords.DEFAULT_PARAMS
    seed = passwords.derive_key(keystore.normalise_passphrase(new), salt, params)
    recovery = RecoveryKey(public_key=sealing.key_pair_from_seed(seed).public, salt=salt, kdf_params=params.as_dict())
    session.add(recovery)
    session.flush()
    session.execute(delete(SealedGroupKey).where(SealedGroupKey.recovery_key_id.is_not(None)))
    for group_key_id, private in groups.items():
        session.add(
            SealedGroupKey(
                group_key_id=group_key_id,
                recovery_key_id=recovery.id,
                sealed=sealing.seal(recovery.public_key, private, keystore.recovery_context(group_key_id)),
            )
        )
    for account_id, private in people.items():
        session.get(Account, account_id).recovery_private_key = sealing.seal(
            recovery.public_key, private, account_context(account_id)
        )
    session.flush()
    session.execute(delete(RecoveryKey).where(RecoveryKey.id != recovery.id))
    audit.record(
        session,
        "recovery_passphrase_changed",
        actor_id=actor_id,
        detail={"group_keys": len(groups), "accounts": len(people)},
    )
    return Changed(len(groups), len(people))
