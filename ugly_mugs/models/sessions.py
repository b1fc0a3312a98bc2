"""Server-side staff sessions, so that they work across gunicorn workers and hosts.

The cookie holds a random session id and a random per-session key. The row is found by a
hash of the id (a stolen table yields no usable session ids) and everything in it that
matters (the unlocked personal key, the session's data such as the CSRF token) is
encrypted under the per-session key, which the server never stores.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime

# A session ends after this long without a request, and this long after login whatever happens;
# ended rows are deleted at the next login and by retention.
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)


class StaffSession(Base):
    __tablename__ = "staff_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    # 'anonymous' (before login: holds only the CSRF token), 'enrol' (password checked,
    # authenticator being set up) or 'active' (fully logged in).
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    personal_key: Mapped[bytes | None] = mapped_column(LargeBinary)
