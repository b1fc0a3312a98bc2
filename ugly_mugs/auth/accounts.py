"""Creating and changing staff accounts and their personal key pairs. No Flask imports.

One Argon2id derivation per password check (ugly_mugs.crypto.passwords, 64 MiB, 3 passes):
its output is the key that encrypts the person's private key and TOTP secret, and an HMAC of
it under a fixed label is the stored verifier (``password_hash``, ``$um-kdf-v1$<hex>``), which
reveals nothing of the key. So a wrong password, a right one followed by a wrong code, a login
and an unknown username all cost the same single derivation, and the time a login takes says
nothing about whether the password was right.

Accounts made before kept an argon2-cffi hash beside the same derived key. Their password is
checked by whether the derived key opens their private key (no second Argon2 run), and the
verifier replaces the old hash at that first successful check; an account whose key was
derived with weaker parameters than today's is re-wrapped under new ones at the same moment.
Over-long passwords are refused before any hashing.
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass

from confusable_homoglyphs import confusables
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.auth import totp
from ugly_mugs.crypto import DecryptionError, aead, macs, passwords, sealing
from ugly_mugs.disclosure import normalise
from ugly_mugs.keys import groups, keystore
from ugly_mugs.models import Account, GroupMembership, RecoveryKey, StaffSession
from ugly_mugs.models.people import ROLES

MIN_PASSWORD = 12
MAX_PASSWORD = 256
VERIFIER_PREFIX = "$um-kdf-v1$"
_VERIFIER_LABEL = b"ugly-mugs login verifier v1"
# Derived with when the account does not exist, so that every answer costs the same work.
_DUMMY_SALT = passwords.new_salt()


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
    """A username as stored and looked up: NFKC (fullwidth and other compatibility forms as their
    plain letters: ｃａｒｌａ is carla), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def looks(username: str) -> str:
    """What ``username`` looks like on screen: each character read as the letter or digit it
    imitates (Unicode's confusables, ``disclosure.normalise.fold``): cаrla with a Cyrillic а
    looks like carla. Two accounts that look alike could pass for each other."""
    return normalise.fold(username).text


def _aad(account_id: int, what: str) -> bytes:
    return f"account|{account_id}|{what}".encode("ascii")


def verifier(derived_key: bytes) -> str:
    """The stored password verifier of a password-derived key (a one-way HMAC of it)."""
    return VERIFIER_PREFIX + macs.tag(derived_key, _VERIFIER_LABEL)


def _wrap_secrets(account: Account, password: str, private_key: bytes, totp_secret: str | None) -> bytes:
    """Derive a new key from ``password`` (new salt, today's parameters), store its verifier and the
    secrets encrypted under it; returns the key."""
    salt = passwords.new_salt()
    params = passwords.DEFAULT_PARAMS
    key = passwords.derive_key(password, salt, params)
    account.key_salt = salt
    account.key_params = params.as_dict()
    account.password_hash = verifier(key)
    account.encrypted_private_key = aead.encrypt(key, private_key, _aad(account.id, "private-key"))
    account.encrypted_totp_secret = (
        aead.encrypt(key, totp_secret.encode("ascii"), _aad(account.id, "totp")) if totp_secret else None
    )
    return key


def new_account(
    session: Session,
    username: str,
    display_name: str,
    role: str,
    police_unit_id: int | None = None,
    project_id: int | None = None,
    actor_id: int | None = None,
) -> Account:
    """Add an account with no password and no key pair yet (audited ``account_created``).

    Nothing opens it and nothing can be sealed to it (``has_key`` is False) until its person
    sets a password: ``give_key_pair``, called by ``create_account`` or by accepting an
    invitation (``auth.invitations``). Raises AccountError for a bad or taken username, an
    unknown role, a police account without a unit, or an installation not set up yet."""
    username = normalise_username(username)
    if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-@" for ch in username):
        raise AccountError("A username uses letters, digits and . _ - @ only (at most 64).")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if role == "police" and police_unit_id is None:
        raise AccountError("A police liaison account needs a police unit.")
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise AccountError("That username is taken.")
    if confusables.is_mixed_script(username):
        raise AccountError("A username is written in one alphabet, not Latin and Cyrillic letters mixed.")
    seen = looks(username)
    for (other,) in session.execute(select(Account.username)):
        if looks(other) == seen:
            raise AccountError(f"That username looks like the account “{other}”: choose one that does not.")
    if _recovery_key(session) is None:
        raise AccountError("Set the installation up first (flask --app wsgi setup init).")
    account = Account(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        police_unit_id=police_unit_id if role == "police" else None,
        project_id=project_id,
        totp_confirmed=False,
        active=True,
    )
    forget_key_pair(account)
    session.add(account)
    session.flush()
    audit.record(session, "account_created", actor_id=actor_id, subject_account_id=account.id, detail={"role": role})
    return account


def _recovery_key(session: Session) -> RecoveryKey | None:
    return session.scalars(select(RecoveryKey).order_by(RecoveryKey.id.desc())).first()


def has_key(account: Account) -> bool:
    """Whether the account has a personal key pair (it has set a password since it was made or
    last re-invited); group keys can be sealed only to an account that has one."""
    return bool(account.public_key)


def forget_key_pair(account: Account) -> None:
    """Destroy the account's password verifier, personal key pair (both wrapped copies) and
    authenticator secret: no password opens it and nothing can be sealed to it any more.
    Whatever was sealed to the old key (group key copies) must be withdrawn by the caller."""
    account.public_key = b""
    account.password_hash = ""
    account.key_salt = b""
    account.key_params = {}
    account.encrypted_private_key = b""
    account.recovery_private_key = b""
    account.encrypted_totp_secret = None
    account.totp_confirmed = False
    account.totp_last_step = None


def give_key_pair(session: Session, account: Account, password: str, totp_secret: str | None = None) -> Unlocked:
    """Make the account a new personal key pair, wrapped under ``password`` (checked against the
    password rules, AccountError otherwise) and sealed to the recovery key; returns it unlocked."""
    check_password_rules(password)
    recovery = _recovery_key(session)
    if recovery is None:
        raise AccountError("Set the installation up first (flask --app wsgi setup init).")
    pair = sealing.generate_key_pair()
    account.public_key = pair.public
    key = _wrap_secrets(account, password, pair.private, totp_secret)
    account.recovery_private_key = sealing.seal(
        recovery.public_key, pair.private, f"account|{account.id}|recovery".encode("ascii")
    )
    session.flush()
    return Unlocked(account.id, pair, key)


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
    """Create an account with a known password, a new key pair and TOTP secret; returns it and
    the otpauth:// URI. For bootstrapping (the first admin, from a password file) and the demo:
    staff made on the admin page are invited instead (``auth.invitations``), so that nobody but
    the person ever knows their password. Raises AccountError (see ``new_account``)."""
    check_password_rules(password)
    account = new_account(session, username, display_name, role, police_unit_id, project_id, actor_id)
    secret = totp.new_secret()
    give_key_pair(session, account, password, secret)
    return account, totp.provisioning_uri(secret, account.username)


def find(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == normalise_username(username)))


def open_with_password(account: Account | None, password: str) -> Unlocked | None:
    """The personal key pair ``password`` opens, or None if it is not this account's password.

    Exactly one Argon2id derivation, whether the account exists or not and whatever the answer
    (over-long passwords are refused before any). May update the account's stored verifier and
    key wrapping (a first-release account, weaker parameters): the caller commits.
    """
    if len(password) > MAX_PASSWORD or len(password.encode("utf-8")) > passwords.MAX_INPUT_BYTES:
        return None
    if account is None or not has_key(account):
        # No account, or one whose person has not set a password yet (an open invitation).
        passwords.derive_key(password, _DUMMY_SALT, passwords.DEFAULT_PARAMS)
        return None
    params = passwords.Argon2Params(**account.key_params)
    key = passwords.derive_key(password, account.key_salt, params)
    first_release = not account.password_hash.startswith(VERIFIER_PREFIX)
    if not first_release and not hmac.compare_digest(account.password_hash, verifier(key)):
        return None
    try:
        private = aead.decrypt(key, account.encrypted_private_key, _aad(account.id, "private-key"))
    except DecryptionError:
        if first_release:
            return None  # the derived key is the proof: it opens the private key only if the password is right
        raise
    if params != passwords.DEFAULT_PARAMS:
        key = _wrap_secrets(account, password, private, totp_secret(account, key))
    elif first_release:
        account.password_hash = verifier(key)
    return Unlocked(account.id, sealing.key_pair_from_private(private), key)


def verify_password(account: Account | None, password: str) -> bool:
    """Whether ``password`` is the account's (one derivation; see ``open_with_password``)."""
    return open_with_password(account, password) is not None


def unlock(account: Account, password: str) -> Unlocked:
    """Open the personal key with the password; raises DecryptionError if the password is wrong."""
    unlocked = open_with_password(account, password)
    if unlocked is None:
        raise DecryptionError("that is not the password of this account")
    return unlocked


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
    account.invitation_digest = None  # an open invitation link stops working too
    account.invitation_expires_at = None
    end_sessions(session, account.id)
    # A deactivated person keeps no copy of any group key.
    session.execute(delete(GroupMembership).where(GroupMembership.account_id == account.id))
    audit.record(session, "account_deactivated", actor_id=actor_id, subject_account_id=account.id)


def reset_two_factor(session: Session, account: Account, actor_id: int | None) -> int:
    """Forget the authenticator; the person enrols a new one at their next login.

    Whoever enrols next might not be the person (issue 17: an admin who learnt the password
    could enrol their own authenticator), so every group-key copy the account held is withdrawn
    (it stays an invited member) and a current key holder must approve it again; every session
    ends. Audited ``two_factor_reset`` with the number of copies withdrawn, which is returned."""
    account.encrypted_totp_secret = None
    account.totp_confirmed = False
    account.totp_last_step = None
    withdrawn = groups.withdraw_all(session, account.id, actor_id)
    end_sessions(session, account.id)
    audit.record(
        session,
        "two_factor_reset",
        actor_id=actor_id,
        subject_account_id=account.id,
        detail={"key_copies_withdrawn": withdrawn},
    )
    return withdrawn


def unlock_account(session: Session, account: Account, actor_id: int | None, secret_key: str) -> None:
    """Lift a login lockout early."""
    from ugly_mugs.auth import login

    login.clear_failures(session, secret_key, account.username)
    audit.record(session, "account_unlocked", actor_id=actor_id, subject_account_id=account.id)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def generated_password() -> str:
    return keystore.new_passphrase()[:24]
