"""Creating and changing staff accounts and their personal key pairs. No Flask imports.

Passwords are hashed with argon2-cffi for login, and separately stretched with Argon2id
(ugly_mugs.crypto.passwords) into the key that encrypts the person's private key and TOTP
secret. Over-long passwords are refused before any hashing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.auth import totp
from ugly_mugs.crypto import aead, passwords, sealing
from ugly_mugs.keys import keystore
from ugly_mugs.models import Account, GroupMembership, RecoveryKey, StaffSession
from ugly_mugs.models.people import ROLES

MIN_PASSWORD = 12
MAX_PASSWORD = 256
# OWASP's first recommended Argon2id configuration or stronger.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# Verified against when the account does not exist, so that all failures cost the same time.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """The change cannot be made; the message is safe to show to the admin."""


@dataclass(frozen=True)
class Unlocked:
    """What a correct password opens: the personal key pair and the key that wraps it."""

    account_id: int
    personal: sealing.KeyPair
    wrapping_key: bytes


def check_password_rules(password: str) -> None:
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"A password can be at most {MAX_PASSWORD} characters.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def _aad(account_id: int, what: str) -> bytes:
    return f"account|{account_id}|{what}".encode("ascii")


def _wrap_secrets(account: Account, password: str, private_key: bytes, totp_secret: str | None) -> None:
    salt = passwords.new_salt()
    params = passwords.DEFAULT_PARAMS
    key = passwords.derive_key(password, salt, params)
    account.key_salt = salt
    account.key_params = params.as_dict()
    account.password_hash = HASHER.hash(password)
    account.encrypted_private_key = aead.encrypt(key, private_key, _aad(account.id, "private-key"))
    account.encrypted_totp_secret = (
        aead.encrypt(key, totp_secret.encode("ascii"), _aad(account.id, "totp")) if totp_secret else None
    )


def create_account(
    session: Session,
    username: str,
    display_name: str,
    role: str,
    password: str,
    police_unit_id: int | None = None,
    project_id: int | None = None,
    actor_id: int | None = None,
) -> tuple[Account, str]:
    """Create an account with a new key pair and TOTP secret; returns it and the otpauth:// URI."""
    check_password_rules(password)
    username = normalise_username(username)
    if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-@" for ch in username):
        raise AccountError("A username uses letters, digits and . _ - @ only (at most 64).")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if role == "police" and police_unit_id is None:
        raise AccountError("A police liaison account needs a police unit.")
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise AccountError("That username is taken.")
    recovery = session.scalars(select(RecoveryKey).order_by(RecoveryKey.id.desc())).first()
    if recovery is None:
        raise AccountError("Set the installation up first (flask --app wsgi setup init).")
    pair = sealing.generate_key_pair()
    account = Account(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        police_unit_id=police_unit_id if role == "police" else None,
        project_id=project_id,
        public_key=pair.public,
        password_hash="",
        key_salt=b"",
        key_params={},
        encrypted_private_key=b"",
        recovery_private_key=b"",
        totp_confirmed=False,
        active=True,
    )
    session.add(account)
    session.flush()
    secret = totp.new_secret()
    _wrap_secrets(account, password, pair.private, secret)
    account.recovery_private_key = sealing.seal(
        recovery.public_key, pair.private, f"account|{account.id}|recovery".encode("ascii")
    )
    audit.record(session, "account_created", actor_id=actor_id, subject_account_id=account.id, detail={"role": role})
    session.flush()
    return account, totp.provisioning_uri(secret, username)


def find(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == normalise_username(username)))


def verify_password(account: Account | None, password: str) -> bool:
    """Check a password in constant work whether or not the account exists."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return HASHER.verify(account.password_hash if account else _DUMMY_HASH, password) and account is not None
    except (VerificationError, InvalidHashError):
        return False


def unlock(account: Account, password: str) -> Unlocked:
    """Open the personal key with the password (already verified)."""
    key = passwords.derive_key(password, account.key_salt, passwords.Argon2Params(**account.key_params))
    private = aead.decrypt(key, account.encrypted_private_key, _aad(account.id, "private-key"))
    return Unlocked(account.id, sealing.key_pair_from_private(private), key)


def totp_secret(account: Account, wrapping_key: bytes) -> str | None:
    if account.encrypted_totp_secret is None:
        return None
    return aead.decrypt(wrapping_key, account.encrypted_totp_secret, _aad(account.id, "totp")).decode("ascii")


def set_totp_secret(account: Account, wrapping_key: bytes, secret: str) -> None:
    account.encrypted_totp_secret = aead.encrypt(wrapping_key, secret.encode("ascii"), _aad(account.id, "totp"))


def end_sessions(session: Session, account_id: int, keep_id_hash: str | None = None) -> int:
    query = delete(StaffSession).where(StaffSession.account_id == account_id)
    if keep_id_hash is not None:
        query = query.where(StaffSession.id_hash != keep_id_hash)
    return session.execute(query).rowcount


def change_password(
    session: Session, account: Account, unlocked: Unlocked, new_password: str, keep_id_hash: str
) -> None:
    """Re-wrap the personal key and TOTP secret under the new password; end every other session."""
    check_password_rules(new_password)
    secret = totp_secret(account, unlocked.wrapping_key)
    _wrap_secrets(account, new_password, unlocked.personal.private, secret)
    end_sessions(session, account.id, keep_id_hash)
    audit.record(session, "password_changed", actor_id=account.id, subject_account_id=account.id)


def deactivate(session: Session, account: Account, actor_id: int | None) -> None:
    account.active = False
    end_sessions(session, account.id)
    # A deactivated person keeps no copy of any group key.
    session.execute(delete(GroupMembership).where(GroupMembership.account_id == account.id))
    audit.record(session, "account_deactivated", actor_id=actor_id, subject_account_id=account.id)


def reset_two_factor(session: Session, account: Account, actor_id: int | None) -> None:
    """Forget the authenticator; the person enrols a new one at their next login."""
    account.encrypted_totp_secret = None
    account.totp_confirmed = False
    account.totp_last_step = None
    end_sessions(session, account.id)
    audit.record(session, "two_factor_reset", actor_id=actor_id, subject_account_id=account.id)


def unlock_account(session: Session, account: Account, actor_id: int | None, secret_key: str) -> None:
    """Lift a login lockout early."""
    from ugly_mugs.auth import login

    login.clear_failures(session, secret_key, account.username)
    audit.record(session, "account_unlocked", actor_id=actor_id, subject_account_id=account.id)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def generated_password() -> str:
    return keystore.new_passphrase()[:24]
