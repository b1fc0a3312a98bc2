"""Building the app for a test and the small steps most tests share: a fresh PostgreSQL schema,
a form token from a reporter page, a minimal valid report."""

from __future__ import annotations

import os
import re
import secrets

from sqlalchemy import create_engine, text

from ugly_mugs import create_app

# CI sets it to a PostgreSQL URL; unset, every test runs on its own SQLite file.
TEST_DATABASE_URL = os.environ.get("UGLY_MUGS_TEST_DATABASE_URL")


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(database_url: str, **overrides):
    settings = {"DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32), **overrides}
    return create_app(overrides=settings, env={})


TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client, path: str = "/report") -> str:
    page = client.get(path).get_data(as_text=True)
    return TOKEN.search(page).group(1)


def minimal_report(**fields) -> dict:
    data = {
        "incident_date": "2026-11-20",
        "area": "holbeck",
        "what_happened": "He hit me.",
        "consent_level": "alert_only",
    }
    data.update(fields)
    return data
