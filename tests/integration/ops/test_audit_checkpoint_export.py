"""Audit checkpoints copied where the database cannot rewrite them (issue 17, item 3; P5).

``audit checkpoint`` mails each checkpoint line to the admins through a real SMTP server
(aiosmtpd) and rewrites an Atom feed file, fetched here over HTTP as an outside watcher would.
A line taken from the mail or the feed, given to ``audit verify --checkpoint``, finds
truncation and rewriting of the log even when the checkpoint file is gone or rewritten too —
from that line alone.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select, text

from tests.support.app import form_token, make_app, minimal_report
from tests.support.mailsink import free_port, smtp_server
from ugly_mugs import audit
from ugly_mugs.models import AuditEntry, Report
from ugly_mugs.ops import audit_export

ADMINS = ["ada@example.org", "bo@example.org"]
ATOM = "{http://www.w3.org/2005/Atom}"
CANARY = "CanaryCheckpointQx7"


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    return {"file": tmp_path / "checkpoints", "feed": tmp_path / "public" / "audit.atom"}


@pytest.fixture
def mail():
    with smtp_server() as (sink, port):
        yield sink, port


@pytest.fixture
def exporting(database_url, files, mail):
    """An app that writes the checkpoint file, mails each checkpoint and writes the feed."""
    files["feed"].parent.mkdir()
    app = make_app(
        database_url,
        AUDIT_CHECKPOINT_FILE=str(files["file"]),
        AUDIT_CHECKPOINT_FEED=str(files["feed"]),
        AUDIT_CHECKPOINT_EMAIL=ADMINS,
        SMTP_URL=f"smtp://127.0.0.1:{mail[1]}",
        MAIL_FROM="Ugly Mugs <audit@example.org>",
    )
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def write_entries(app, n: int = 6) -> None:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        for i in range(n):
            audit.record(db, "login" if i % 2 else "login_failed", detail={"n": i})
        db.commit()


def cli(app, *args: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def execute(app, statement: str) -> None:
    with app.extensions["ugly_mugs.engine"].begin() as conn:
        conn.execute(text(statement))


def mailed_lines(sink) -> list[str]:
    return [message.get_content().strip() for _, message, _ in sink.messages]


def rehash_with_the_key(app, entry_id: int) -> None:
    """What the running app (which holds the audit key) could do: edit an entry and make the
    chain and every code after it valid again."""
    keys = app.extensions["ugly_mugs.sessionmaker"].kw["info"][audit.KEYS]
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        db.get(AuditEntry, entry_id).action = "report_read"
        prev = db.get(AuditEntry, entry_id - 1).hash if entry_id > 1 else audit.GENESIS
        for entry in db.scalars(select(AuditEntry).where(AuditEntry.id >= entry_id).order_by(AuditEntry.id)):
            entry.prev_hash = prev
            entry.hash = audit._digest(entry)
            entry.mac = audit.entry_mac(keys, entry.hash)
            prev = entry.hash
            db.flush()
        db.commit()


# --- the mail ---------------------------------------------------------------------------------


def test_each_checkpoint_is_mailed_to_the_admins_with_its_line_only(exporting, files, mail, passphrase):
    sink, _ = mail
    client = exporting.test_client()
    page = client.post("/report", data=minimal_report(form_token=form_token(client), what_happened=CANARY)).get_data(
        as_text=True
    )
    assert "Your receipt code" in page
    write_entries(exporting)
    for number in (1, 2):
        result = cli(exporting, "audit", "checkpoint")
        assert result.exit_code == 0, result.output
        assert f"checkpoint {number}: entry " in result.output
        assert "mailed to 2 admin address(es)" in result.output

    lines = files["file"].read_text().splitlines()
    assert mailed_lines(sink) == lines
    assert sink.senders == ["audit@example.org", "audit@example.org"]
    for recipients, message, _ in sink.messages:
        assert recipients == ADMINS
        assert message["Subject"].startswith("Audit checkpoint ")
        assert message["From"] == "Ugly Mugs <audit@example.org>"
        raw = message.as_string()
        assert CANARY not in raw
        with exporting.extensions["ugly_mugs.sessionmaker"]() as db:
            report_ids = db.scalars(select(Report.id)).all()
        assert report_ids and not any(str(r) in raw for r in report_ids)


def test_a_relay_that_cannot_be_reached_fails_the_command_but_keeps_the_checkpoint(database_url, files):
    app = make_app(
        database_url,
        AUDIT_CHECKPOINT_FILE=str(files["file"]),
        AUDIT_CHECKPOINT_EMAIL=ADMINS,
        SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
        SMTP_TIMEOUT=5,
    )
    write_entries(app)
    result = cli(app, "audit", "checkpoint")
    assert result.exit_code == 1
    assert "checkpoint 1 is in the checkpoint file, but mailing it to the admins failed: SMTP connection" in (
        result.output
    )
    assert "example.org" not in result.output
    assert len(files["file"].read_text().splitlines()) == 1
    app.extensions["ugly_mugs.engine"].dispose()


# --- a tampered log, found from the mailed line alone ----------------------------------------


def delete_the_tail(app) -> None:
    execute(app, "DELETE FROM audit_entry WHERE id >= 5")


def delete_the_tail_and_grow_it_again(app) -> None:
    delete_the_tail(app)
    write_entries(app, 4)  # genuine new entries 5-8, with valid codes


def rewrite_with_the_key(app) -> None:
    rehash_with_the_key(app, 3)


TAMPERING = [
    (delete_the_tail, "entries 5 to 6 were deleted from the end of the log"),
    (delete_the_tail_and_grow_it_again, "entry 6 differs from checkpoint 1: it was rewritten"),
    (rewrite_with_the_key, "entry 6 differs from checkpoint 1: it was rewritten"),
]
IDS = ["tail-deleted", "tail-deleted-and-regrown", "rewritten-with-the-key"]


@pytest.mark.parametrize(("tamper", "expected"), TAMPERING, ids=IDS)
def test_the_mailed_line_alone_finds_a_tampered_log(exporting, files, mail, database_url, tamper, expected):
    write_entries(exporting)
    assert cli(exporting, "audit", "checkpoint").exit_code == 0
    (line,) = mailed_lines(mail[0])
    assert cli(exporting, "audit", "verify", "--checkpoint", line).exit_code == 0

    tamper(exporting)
    # Whoever did it also removed the checkpoint file; the admins still have the mail. An app
    # with no checkpoint file configured at all checks the line the same way.
    files["file"].unlink()
    alone = make_app(database_url)
    for app in (exporting, alone):
        result = cli(app, "audit", "verify", "--checkpoint", line)
        assert result.exit_code == 1, result.output
        assert expected in result.output
    # Without the line, the chain itself looks whole.
    assert "audit log intact" in cli(alone, "audit", "verify").output
    alone.extensions["ugly_mugs.engine"].dispose()


def test_a_checkpoint_file_rewritten_with_the_log_is_found_from_the_mailed_line(exporting, files, mail):
    write_entries(exporting)
    assert cli(exporting, "audit", "checkpoint").exit_code == 0
    (line,) = mailed_lines(mail[0])
    delete_the_tail(exporting)
    # A new file, checkpointing the shortened log: its own lines verify.
    files["file"].unlink()
    with exporting.extensions["ugly_mugs.sessionmaker"]() as db:
        audit.write_checkpoint(db)
    assert cli(exporting, "audit", "verify").exit_code == 0
    result = cli(exporting, "audit", "verify", "--checkpoint", line)
    assert result.exit_code == 1
    assert "entries 5 to 6 were deleted from the end of the log" in result.output
    assert "checkpoint 1 in the checkpoint file differs from the one given: rewritten" in result.output


def test_a_line_wrapped_by_a_mail_client_still_verifies(exporting, mail):
    write_entries(exporting)
    assert cli(exporting, "audit", "checkpoint").exit_code == 0
    (line,) = mailed_lines(mail[0])
    wrapped = "\n".join(line[i : i + 60] for i in range(0, len(line), 60)) + "\n"
    result = cli(exporting, "audit", "verify", "--checkpoint", wrapped)
    assert result.exit_code == 0, result.output
    assert "the 1 checkpoint line(s) given match the log" in result.output


@pytest.mark.parametrize(
    "spoil",
    [
        lambda line: line.replace('"entry":6', '"entry":4'),
        lambda line: line[:-3] + '0"}',
        lambda line: line[: len(line) // 2],
        lambda line: "not a checkpoint",
        lambda line: '{"v":1}',
    ],
    ids=["entry-edited", "tag-edited", "cut", "prose", "partial-json"],
)
def test_a_spoiled_line_is_reported_never_trusted(exporting, mail, spoil):
    write_entries(exporting)
    assert cli(exporting, "audit", "checkpoint").exit_code == 0
    (line,) = mailed_lines(mail[0])
    result = cli(exporting, "audit", "verify", "--checkpoint", spoil(line))
    assert result.exit_code == 1
    assert "checkpoint line 1 given:" in result.output
    assert "Traceback" not in result.output


def test_a_line_from_another_installation_is_not_authentic(exporting, mail, database_url, tmp_path):
    write_entries(exporting)
    assert cli(exporting, "audit", "checkpoint").exit_code == 0
    (line,) = mailed_lines(mail[0])
    other = make_app(database_url, AUDIT_KEY=bytes(range(32)))
    with other.extensions["ugly_mugs.sessionmaker"]() as db, pytest.raises(audit.CheckpointLineError):
        audit.parse_checkpoint_line(db, line)
    other.extensions["ugly_mugs.engine"].dispose()


# --- the feed ---------------------------------------------------------------------------------


@contextmanager
def serving(directory: Path):
    """A plain web server for ``directory`` on 127.0.0.1: how an operator publishes the feed file."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def fetch_feed(url: str) -> ET.Element:
    with urlopen(url, timeout=10) as response:  # noqa: S310 - a fixed http URL on 127.0.0.1
        return ET.fromstring(response.read())  # noqa: S314 - our own feed


def test_the_feed_holds_every_checkpoint_line_and_finds_a_truncated_log(exporting, files):
    write_entries(exporting)
    for _ in range(3):
        assert cli(exporting, "audit", "checkpoint").exit_code == 0
    assert oct(files["feed"].stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in files["feed"].parent.iterdir()] == ["audit.atom"]  # no temporary file left
    with serving(files["feed"].parent) as base:
        feed = fetch_feed(f"{base}/audit.atom")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}updated")
    entries = feed.findall(f"{ATOM}entry")
    lines = [e.findtext(f"{ATOM}content") for e in entries]
    assert lines == list(reversed(files["file"].read_text().splitlines()))
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    assert entries[0].findtext(f"{ATOM}updated") == feed.findtext(f"{ATOM}updated")

    newest = lines[0]
    assert cli(exporting, "audit", "verify", "--checkpoint", newest, "--checkpoint", lines[2]).exit_code == 0
    delete_the_tail(exporting)
    result = cli(exporting, "audit", "verify", "--checkpoint", newest)
    assert result.exit_code == 1
    assert "entries 5 to 6 were deleted from the end of the log" in result.output


def test_the_feed_keeps_the_newest_checkpoints():
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    points = [audit.Checkpoint(n, at, n, "a" * 64, 1, "0" * 64, f"{n:064x}") for n in range(1, 131)]
    feed = ET.fromstring(audit_export.atom(points, at))  # noqa: S314 - our own feed
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == audit_export.FEED_ENTRIES
    assert titles[0] == "Audit checkpoint 130: entry 130"
    assert titles[-1] == f"Audit checkpoint {131 - audit_export.FEED_ENTRIES}: entry {131 - audit_export.FEED_ENTRIES}"
    empty = ET.fromstring(audit_export.atom([], at))  # noqa: S314 - our own feed
    assert empty.findall(f"{ATOM}entry") == [] and empty.findtext(f"{ATOM}updated") == "2026-11-30T12:00:00Z"


def test_a_feed_that_cannot_be_written_fails_the_command_but_keeps_the_checkpoint(database_url, files, tmp_path):
    app = make_app(
        database_url,
        AUDIT_CHECKPOINT_FILE=str(files["file"]),
        AUDIT_CHECKPOINT_FEED=str(tmp_path / "no such directory" / "audit.atom"),
    )
    write_entries(app)
    result = cli(app, "audit", "checkpoint")
    assert result.exit_code == 1
    assert "checkpoint 1 is in the checkpoint file, but cannot write the checkpoint feed" in result.output
    assert len(files["file"].read_text().splitlines()) == 1
    app.extensions["ugly_mugs.engine"].dispose()
