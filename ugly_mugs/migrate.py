"""Running the Alembic migrations from code: the only way the schema is created."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

import config as settings


def alembic_config(url: str, delivery_key: bytes | None = None) -> Config:
    """Alembic's configuration for ``url``: alembic.ini in a source checkout; an installed
    package (``pip install .``) has no alembic.ini, only the migrations package beside config/."""
    ini = settings.PROJECT_ROOT / "alembic.ini"
    cfg = Config(str(ini)) if ini.exists() else Config()
    cfg.set_main_option("script_location", str(settings.PROJECT_ROOT / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = url
    # The key that seals webhook secrets, for the migration that seals the readable ones; None:
    # the migration reads it from the environment's configuration (UGLY_MUGS_DELIVERY_KEY_FILE).
    cfg.attributes["delivery_key"] = delivery_key
    return cfg


def upgrade(url: str, revision: str = "head", delivery_key: bytes | None = None) -> None:
    command.upgrade(alembic_config(url, delivery_key), revision)


def downgrade(url: str, revision: str, delivery_key: bytes | None = None) -> None:
    command.downgrade(alembic_config(url, delivery_key), revision)
