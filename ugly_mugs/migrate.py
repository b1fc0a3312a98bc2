"""Running the Alembic migrations from code: the only way the schema is created."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

import config as settings


def alembic_config(url: str) -> Config:
    cfg = Config(str(settings.PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
