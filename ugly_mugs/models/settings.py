"""Installation settings edited in the admin pages: one JSON value per name.

Holds only what the scheme publishes anyway (the help and support numbers shown to
reporters); never anything about a report or a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class SiteSetting(Base):
    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
