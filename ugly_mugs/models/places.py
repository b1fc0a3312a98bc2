"""Areas reports are filed in, and the police units that cover them (each area at most one unit)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ugly_mugs.models.base import Base


class PoliceUnit(Base):
    __tablename__ = "police_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    areas: Mapped[list[Area]] = relationship(back_populates="police_unit")


class Area(Base):
    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    police_unit_id: Mapped[int | None] = mapped_column(ForeignKey("police_unit.id"))
    active: Mapped[bool] = mapped_column(default=True)

    police_unit: Mapped[PoliceUnit | None] = relationship(back_populates="areas")
