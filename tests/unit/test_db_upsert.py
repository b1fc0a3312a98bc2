"""``db.upsert_insert``: the one place an ``INSERT … ON CONFLICT`` is made for the database in use."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from ugly_mugs import db
from ugly_mugs.models import ThrottleWindow


@pytest.mark.parametrize("name, dialect", [("postgresql", postgresql), ("sqlite", sqlite)])
def test_an_upsert_is_written_in_the_sql_of_its_database(name, dialect):
    table = ThrottleWindow.__table__
    statement = db.upsert_insert(name, table).on_conflict_do_nothing(index_elements=[table.c.name])
    sql = str(statement.compile(dialect=dialect.dialect()))
    assert sql.startswith("INSERT INTO throttle") and "ON CONFLICT (name) DO NOTHING" in sql


@pytest.mark.parametrize("name", ["mysql", "mssql", "oracle", ""])
def test_an_upsert_for_another_database_is_refused(name):
    with pytest.raises(ValueError, match="no upsert"):
        db.upsert_insert(name, ThrottleWindow.__table__)
