"""The request's database session, opened on first use and closed at the end of the request."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["ugly_mugs.sessionmaker"]()
    return g.db_session
