"""Running the Alembic migrations from code: the only way the schema is created."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

import config as settings


def alembic_config(url: str) -> Config:
    """Alembic's configuration for ``url``: alembic.ini in a source checkout; an installed
    package (``pip install .``) has no alembic.ini, only the migrations package beside config/."""
    ini = settings.PROJECT_ROOT / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(settings.PROJECT_ROOT / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
