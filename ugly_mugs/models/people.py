"""Staff accounts, the projects they belong to, and their memberships of key groups.

An account's private key is stored only encrypted: under a key derived from the person's
password (Argon2id), and sealed to the recovery key. Its TOTP secret is encrypted under the
same password-derived key, so a stolen database yields no usable second factor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ugly_mugs.models.base import Base, UTCDateTime, utcnow
from ugly_mugs.models.keys import PUBLIC_KEY_BYTES

ADMIN = "admin"
COORDINATOR = "coordinator"
OUTREACH = "outreach"
PROJECT_MEMBER = "project_member"
POLICE = "police"

# Every staff role (DESIGN.md §1); the access rules, the admin form and the command line read this.
ROLES = (ADMIN, COORDINATOR, OUTREACH, PROJECT_MEMBER, POLICE)
# What staff pages call each role.
ROLE_LABELS: dict[str, str] = {
    ADMIN: "Admin",
    COORDINATOR: "Coordinator",
    OUTREACH: "Outreach worker",
    PROJECT_MEMBER: "Project member",
    POLICE: "Police liaison",
}
# The roles whose accounts belong to a support project.
PROJECT_ROLES = (OUTREACH, PROJECT_MEMBER)


class Project(Base):
    """A support project: outreach workers file reports for it, its members receive alerts."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The language its alert bulletins are written in (one of the reporter-page languages).
    language: Mapped[str] = mapped_column(String(8), default="en")
    # SHA-256 of the secret token in its Atom feed's URL; the token itself is shown once.
    feed_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of its bearer token for POST /api/v1/check; the token itself is shown once.
    check_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24))
    police_unit_id: Mapped[int | None] = mapped_column(ForeignKey("police_unit.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(PUBLIC_KEY_BYTES))
    key_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    key_params: Mapped[dict] = mapped_column(JSON)
    # The personal private key under the password-derived key.
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The same private key sealed to the recovery key, to restore access if a password is lost.
    recovery_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The TOTP secret under the password-derived key; null until (re-)enrolment.
    encrypted_totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    # Replay protection: the last accepted TOTP time step; only later steps are accepted.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An open invitation (ugly_mugs.auth.invitations): a keyed hash of the link's token (the token
    # itself is shown once, to the admin) and when the link stops working. Until it is accepted
    # the account has no password and no key pair: ``public_key`` and the wrapped secrets are
    # empty, so nothing can be sealed to it and no password opens it.
    invitation_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project | None] = relationship()


class GroupMembership(Base):
    """A person's place in a key group (the scheme key or a unit key).

    Invited by an admin (``sealed`` is null); approved by a member who holds the group key
    unlocked, which seals the group's private key to the newcomer's public key.
    """

    __tablename__ = "group_membership"
    __table_args__ = (UniqueConstraint("group_key_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_key.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
