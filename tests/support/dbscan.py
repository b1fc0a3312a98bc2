"""Reading a database raw, the way a thief with a copy of it would, to look for plaintext."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def raw_bytes(url: str) -> bytes:
    """Every byte of the SQLite database, its WAL and shared-memory files (as a backup would copy them)."""
    path = _sqlite_path(url)
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            data += candidate.read_bytes()
    return data


def postgres_rows(url: str) -> list[str]:
    """Every row of every table as PostgreSQL's text rendering (bytea columns appear as hex)."""
    engine = create_engine(url)
    rows: list[str] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows += [r[0] for r in conn.execute(text(f'SELECT t::text FROM "{table}" t'))]
    engine.dispose()
    return rows


def find_plaintext(url: str, needles: list[str]) -> list[str]:
    """The needles that can be found in the stored database, in UTF-8 or (for bytea) as hex."""
    found = []
    if url.startswith("sqlite"):
        data = raw_bytes(url)
        for needle in needles:
            if needle.encode("utf-8") in data or needle.encode("utf-16-le") in data:
                found.append(needle)
        return found
    rows = "\n".join(postgres_rows(url))
    for needle in needles:
        if needle in rows or needle.encode("utf-8").hex() in rows:
            found.append(needle)
    return found


def raw_database(url: str) -> bytes:
    """The stored database as a thief would read it: SQLite's files, or PostgreSQL's rows as text."""
    if url.startswith("sqlite"):
        return raw_bytes(url)
    return "\n".join(postgres_rows(url)).encode()


def stored_in(blob: bytes, stored: bytes) -> bool:
    """Whether a slice from inside ``blob`` occurs in ``stored`` (raw, or as PostgreSQL's bytea hex)."""
    part = blob[16:48]
    return part in stored or part.hex().encode() in stored
