"""The request's database session, opened on first use and closed at the end of the request,
and what a page treats as "not available just now"."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ugly_mugs.keys.keystore import KeyUnavailable

# The faults a page answers with 503 and the form shown back ("nothing has been lost, try again"):
# the database is unreachable or refused the write, or a key the work needs does not exist yet.
# Views catch this tuple so that they need not import sqlalchemy.
UNAVAILABLE = (SQLAlchemyError, KeyUnavailable)


def session() -> Session:
    """The request's session (``flask.g``), made on first use from the app's sessionmaker."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["ugly_mugs.sessionmaker"]()
    return g.db_session


def rollback() -> None:
    """Roll the request's session back, if it has one, after a fault; a database that does not
    answer the rollback either is let be (the session is closed at the end of the request)."""
    found = g.get("db_session")
    if found is None:
        return
    try:
        found.rollback()
    except SQLAlchemyError:
        current_app.logger.warning("the database did not answer a rollback either")
