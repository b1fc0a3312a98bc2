"""Writing and verifying the audit log (P5): keyed, chained and anchored outside the database.

No content and no addresses, ever. Three layers, each catching what the one before cannot:

1. **A hash chain.** Each entry's ``hash`` is SHA-256 over its fields and the previous entry's
   hash: editing, inserting or deleting a row breaks the chain at that row.
2. **An authentication code.** Each entry's ``mac`` is HMAC-SHA256 of its hash under a key
   derived from the audit key, which lives outside the database (``UGLY_MUGS_AUDIT_KEY_FILE``).
   Whoever can write to the database can re-hash an edited entry and everything after it, but
   cannot make the codes: a rewritten entry is found at that entry. Entries written before the
   audit key existed have no code; they are allowed only before the first entry that has one.
3. **Checkpoints.** ``write_checkpoint`` (the ``audit checkpoint`` command, run periodically)
   appends the head of the log (last entry id and code, and where codes begin) as one line to a
   file the database cannot touch (``UGLY_MUGS_AUDIT_CHECKPOINT_FILE``). Each line is numbered,
   linked to the line before and authenticated with its own key. Deleting the newest entries
   leaves the chain whole, but not the last checkpoint's entry; a rewritten checkpointed entry
   differs from its checkpoint even for someone who holds the key; a deleted, edited or forged
   checkpoint line, or checkpoints that stop coming, are reported too. Each line can also leave
   the host (mailed to the admins, an Atom feed file: ``ugly_mugs.ops.audit_export``); such a
   line given back to ``verify`` checks the log, and the file, from outside.

The audit key's derived keys, the checkpoint file and its allowed age travel in
``Session.info`` (``session_info``, set by ``make_sessionmaker`` from the configuration), so
every caller of ``record`` and ``verify`` has them without passing keys around.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ugly_mugs import coarse_time
from ugly_mugs.crypto import macs
from ugly_mugs.models import AuditEntry
from ugly_mugs.models.base import utcnow

GENESIS = "0" * 64

# The reasons a coordinator or officer may give for opening a report.
READ_REASONS = {
    "triage": "Reviewing a new report",
    "alert": "Writing or checking an alert",
    "police": "Preparing to pass on to police",
    "follow_up": "Following up with the reporter",
    "matching": "Checking a possible repeat perpetrator",
}

# Advisory lock id used on PostgreSQL so that concurrent writers extend one chain.
_LOCK_ID = 0x55474C59

KEYS = "ugly_mugs.audit_keys"
CHECKPOINTS = "ugly_mugs.audit_checkpoints"
CHECKPOINT_FORMAT = 1


class AuditKeyUnavailable(RuntimeError):
    """No audit key is configured (UGLY_MUGS_AUDIT_KEY_FILE): nothing may be recorded or verified."""


class CheckpointUnavailable(RuntimeError):
    """No checkpoint file is configured, or it cannot be written; the message says which."""


@dataclass(frozen=True)
class AuditKeys:
    """The keys derived from the audit key: one for entries, one for checkpoint lines."""

    entry: bytes
    checkpoint: bytes

    @classmethod
    def from_audit_key(cls, audit_key: bytes) -> AuditKeys:
        return cls(macs.subkey(audit_key, "audit entry v1"), macs.subkey(audit_key, "audit checkpoint v1"))


@dataclass(frozen=True)
class CheckpointSettings:
    path: Path | None
    max_age: timedelta


def session_info(audit_key: bytes | None, checkpoint_file: str | None = None, max_age_minutes: int = 120) -> dict:
    """What ``record``, ``verify`` and ``write_checkpoint`` need, for ``make_sessionmaker``'s ``info``."""
    return {
        KEYS: AuditKeys.from_audit_key(audit_key) if audit_key else None,
        CHECKPOINTS: CheckpointSettings(
            Path(checkpoint_file) if checkpoint_file else None, timedelta(minutes=max_age_minutes)
        ),
    }


def _keys(session: Session) -> AuditKeys:
    keys = session.info.get(KEYS)
    if keys is None:
        raise AuditKeyUnavailable("no audit key is configured (UGLY_MUGS_AUDIT_KEY_FILE)")
    return keys


def _checkpoint_settings(session: Session) -> CheckpointSettings:
    return session.info.get(CHECKPOINTS) or CheckpointSettings(None, timedelta(minutes=120))


def _digest(entry: AuditEntry) -> str:
    payload = {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "report_id": entry.report_id,
        "subject_account_id": entry.subject_account_id,
        "reason": entry.reason,
        "detail": entry.detail or {},
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def entry_mac(keys: AuditKeys, entry_hash: str) -> str:
    """The authentication code of an entry whose hash is ``entry_hash`` (which covers all before it)."""
    return macs.tag(keys.entry, b"audit-entry|" + entry_hash.encode("ascii"))


def key_matches(session: Session) -> bool | None:
    """Whether the configured audit key made the newest authenticated entry (None: there is none
    yet). Raises AuditKeyUnavailable when no key is configured. Readiness asks this."""
    keys = _keys(session)
    newest = session.execute(
        select(AuditEntry.hash, AuditEntry.mac)
        .where(AuditEntry.mac.is_not(None))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    return hmac.compare_digest(entry_mac(keys, newest.hash), newest.mac)


def record(
    session: Session,
    action: str,
    actor_id: int | None = None,
    report_id: str | None = None,
    subject_account_id: int | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    coarse: bool = False,
) -> AuditEntry:
    """Append an entry in the caller's transaction; it is kept only if the caller commits.

    ``coarse`` records only the hour (``coarse_time``), for a reporter's own actions, so that the log cannot be
    matched to the second against anything else. Raises AuditKeyUnavailable when the session
    has no audit key: nothing is then recorded, and nothing should be done unrecorded.
    """
    keys = _keys(session)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    elif dialect == "sqlite":
        # A write that changes nothing takes SQLite's write lock before the last entry is read,
        # so two workers cannot both extend the chain from the same entry.
        session.execute(text("UPDATE audit_entry SET id = id WHERE 0"))
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=coarse_time.now() if coarse else utcnow().replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        report_id=report_id,
        subject_account_id=subject_account_id,
        reason=reason,
        detail=detail or {},
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = _digest(entry)
    entry.mac = entry_mac(keys, entry.hash)
    session.add(entry)
    session.flush()
    return entry


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing ``verify`` found wrong; ``entry_id`` is the first entry whose record it puts in doubt."""

    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file: the head of the log at ``at``."""

    seq: int
    at: datetime
    entry: int  # the last entry's id (0: the log was empty)
    mac: str  # that entry's code (its hash if it predates the audit key; GENESIS if none)
    keyed_from: int | None  # the first entry with a code
    prev: str  # the tag of the checkpoint before (GENESIS for the first)
    tag: str

    def body(self) -> dict:
        return {
            "v": CHECKPOINT_FORMAT,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "entry": self.entry,
            "mac": self.mac,
            "keyed_from": self.keyed_from,
            "prev": self.prev,
        }

    def line(self) -> str:
        """The line as written to the checkpoint file, mailed and put in the feed: compact JSON
        without spaces (so a mail client's wrapping can be undone by removing white space)."""
        return json.dumps({**self.body(), "tag": self.tag}, sort_keys=True, separators=(",", ":"))


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _checkpoint_tag(keys: AuditKeys, body: dict) -> str:
    return macs.tag(keys.checkpoint, b"audit-checkpoint|" + _canonical(body))


@dataclass
class _CheckpointFile:
    checkpoints: list[Checkpoint] = field(default_factory=list)  # the authentic ones, in file order
    problems: list[Problem] = field(default_factory=list)


class CheckpointLineError(ValueError):
    """A checkpoint line given by hand is not a checkpoint, or not an authentic one; the message says which."""


def _decode(line: str) -> tuple[Checkpoint, dict]:
    """The checkpoint a line holds and the body its tag covers; ValueError, KeyError, TypeError
    or AttributeError if it is not one."""
    raw = json.loads(line)
    body = {k: raw[k] for k in ("v", "seq", "at", "entry", "mac", "keyed_from", "prev")}
    point = Checkpoint(
        seq=int(body["seq"]),
        at=datetime.fromisoformat(body["at"]),
        entry=int(body["entry"]),
        mac=str(body["mac"]),
        keyed_from=None if body["keyed_from"] is None else int(body["keyed_from"]),
        prev=str(body["prev"]),
        tag=str(raw["tag"]),
    )
    if point.at.tzinfo is None:
        raise ValueError("a checkpoint's time has no time zone")
    return point, body


def _authentic(keys: AuditKeys, body: dict, tag: str) -> bool:
    return macs.matches(keys.checkpoint, b"audit-checkpoint|" + _canonical(body), tag)


def parse_checkpoint_line(session: Session, text: str) -> Checkpoint:
    """The checkpoint in ``text``: one line as ``audit checkpoint`` writes, mails and puts in the
    feed. White space anywhere is ignored (the line has none; a mail client may have wrapped it).

    Raises CheckpointLineError if it is not a checkpoint line or its tag does not match under this
    installation's audit key (forged, edited, or from another installation), and
    AuditKeyUnavailable without an audit key.
    """
    keys = _keys(session)
    compact = "".join(text.split())
    try:
        point, body = _decode(compact)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CheckpointLineError("not a checkpoint line") from None
    if not _authentic(keys, body, point.tag):
        raise CheckpointLineError(
            f"checkpoint {point.seq} is not authentic: forged, edited, or made with another audit key"
        )
    return point


def read_checkpoints(session: Session) -> list[Checkpoint]:
    """The authentic checkpoints of the checkpoint file, in file order ([] if none is configured
    or the file does not exist yet). Raises OSError if it cannot be read."""
    path = _checkpoint_settings(session).path
    if path is None:
        return []
    return _parse_checkpoints(_read_lines(path), _keys(session)).checkpoints


def _parse_checkpoints(lines: list[str], keys: AuditKeys) -> _CheckpointFile:
    """The authentic checkpoints of the file's ``lines``, and what is wrong with the others.

    A problem names the first entry that the missing or spoiled checkpoint leaves uncovered:
    the one after the last entry of the authentic checkpoint before it.
    """
    found = _CheckpointFile()
    previous: Checkpoint | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        uncovered = previous.entry + 1 if previous else 1
        try:
            point, body = _decode(line)
        except (ValueError, KeyError, TypeError, AttributeError):
            found.problems.append(Problem(uncovered, f"line {number} of the checkpoint file is not a checkpoint"))
            continue
        if not _authentic(keys, body, point.tag):
            found.problems.append(
                Problem(uncovered, f"checkpoint {point.seq} (line {number}) is not authentic: forged or edited")
            )
            continue
        expected_seq = previous.seq + 1 if previous else 1
        if point.seq > expected_seq:
            gap = f"{expected_seq}" if point.seq == expected_seq + 1 else f"{expected_seq} to {point.seq - 1}"
            found.problems.append(Problem(uncovered, f"checkpoint {gap} is missing from the checkpoint file"))
        elif point.seq < expected_seq:
            found.problems.append(Problem(uncovered, f"checkpoint {point.seq} (line {number}) is out of order"))
        elif point.prev != (previous.tag if previous else GENESIS):
            found.problems.append(
                Problem(uncovered, f"checkpoint {point.seq} does not follow the checkpoint before it")
            )
        found.checkpoints.append(point)
        previous = point
    return found


def _read_lines(path: Path) -> list[str]:
    """The checkpoint file's lines ([] if it does not exist yet); OSError if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []


def write_checkpoint(session: Session, now: datetime | None = None) -> Checkpoint:
    """Append the head of the log to the checkpoint file and return it.

    Raises CheckpointUnavailable if no file is configured or it cannot be written, and
    AuditKeyUnavailable without an audit key. Two runs at once are serialised by a lock on the
    file. The file is created readable by its owner only.
    """
    keys = _keys(session)
    path = _checkpoint_settings(session).path
    if path is None:
        raise CheckpointUnavailable("no checkpoint file is configured (UGLY_MUGS_AUDIT_CHECKPOINT_FILE)")
    head = session.execute(
        select(AuditEntry.id, AuditEntry.hash, AuditEntry.mac).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    keyed_from = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.mac.is_not(None)))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise CheckpointUnavailable(f"cannot open the checkpoint file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "r+", encoding="utf-8", errors="replace") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        existing = _parse_checkpoints(handle.read().splitlines(), keys).checkpoints
        last = existing[-1] if existing else None
        unsigned = Checkpoint(
            seq=(last.seq + 1) if last else 1,
            at=(now or datetime.now(UTC)).replace(microsecond=0),
            entry=head.id if head else 0,
            mac=(head.mac or head.hash) if head else GENESIS,
            keyed_from=keyed_from,
            prev=last.tag if last else GENESIS,
            tag="",
        )
        point = replace(unsigned, tag=_checkpoint_tag(keys, unsigned.body()))
        handle.seek(0, os.SEEK_END)
        handle.write(point.line() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return point


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found. ``ok`` only if there is no problem at all; ``first_broken_id`` and
    ``problem`` describe the first one. ``checked`` counts the entries that verified before the
    chain broke; ``legacy`` how many of them predate the audit key (hash-chained only).
    ``checkpoints`` is None when no checkpoint file is configured (tail deletion then goes unseen)."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str | None = None
    problems: tuple[Problem, ...] = ()
    legacy: int = 0
    checkpoints: int | None = None
    last_checkpoint: Checkpoint | None = None
    given: int = 0  # authentic checkpoint lines given to ``verify`` (from the email or the feed)


def _entries(first: int, last: int, past: bool = False) -> str:
    if first == last:
        return f"entry {first} {'was' if past else 'is'}"
    return f"entries {first} to {last} {'were' if past else 'are'}"


def _walk_chain(
    session: Session, keys: AuditKeys, keyed_from: int | None, batch: int
) -> tuple[int, int, int, Problem | None]:
    """(checked, legacy, last id, first problem) of the chain, walked in id order."""
    prev_hash, prev_id, checked, legacy = GENESIS, 0, 0, 0
    keyed = False
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return checked, legacy, prev_id, None
        for entry in rows:
            problem = None
            if entry.id != prev_id + 1:
                problem = f"{_entries(prev_id + 1, entry.id - 1)} missing"
            elif entry.prev_hash != prev_hash:
                problem = "it does not link to the entry before it"
            elif _digest(entry) != entry.hash:
                problem = "its content does not match its hash"
            elif entry.mac is None:
                if keyed or (keyed_from is not None and entry.id >= keyed_from):
                    problem = "its authentication code was removed"
                else:
                    legacy += 1
            elif not macs.matches(keys.entry, b"audit-entry|" + entry.hash.encode("ascii"), entry.mac):
                problem = "its authentication code does not match: it was written or rewritten without the audit key"
            else:
                keyed = True
            if problem:
                return checked, legacy, prev_id, Problem(entry.id, problem)
            prev_hash, prev_id = entry.hash, entry.id
            checked += 1
        last_id = rows[-1].id
        session.expunge_all()


def _check_checkpoints(session: Session, points: list[Checkpoint], newest_id: int) -> list[Problem]:
    """Each checkpointed entry must still exist with the code the checkpoint recorded."""
    problems: list[Problem] = []
    wanted = {p.entry: p for p in points if p.entry > 0}
    stored: dict[int, str] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in session.execute(
            select(AuditEntry.id, AuditEntry.hash, AuditEntry.mac).where(AuditEntry.id.in_(chunk))
        ):
            stored[row.id] = row.mac or row.hash
    deleted_tail = [p for p in points if p.entry > newest_id]
    if deleted_tail:
        last = max(deleted_tail, key=lambda p: p.entry)
        problems.append(
            Problem(
                newest_id + 1,
                f"{_entries(newest_id + 1, last.entry, past=True)} deleted from the end of the log: "
                f"checkpoint {last.seq} of {last.at:%Y-%m-%d %H:%M} UTC recorded entry {last.entry}",
            )
        )
    for entry_id in ids:
        point = wanted[entry_id]
        if entry_id > newest_id:
            continue
        if entry_id not in stored:
            problems.append(Problem(entry_id, f"entry {entry_id}, recorded by checkpoint {point.seq}, was deleted"))
        elif stored[entry_id] != point.mac:
            problems.append(
                Problem(entry_id, f"entry {entry_id} differs from checkpoint {point.seq}: it was rewritten")
            )
    return problems


def _compare_with_file(given: list[Checkpoint], points: list[Checkpoint]) -> list[Problem]:
    """Each checkpoint given by hand must be in the checkpoint file as it was given."""
    problems: list[Problem] = []
    in_file = {p.seq: p for p in points}
    newest_seq = max(in_file, default=0)
    for point in given:
        found = in_file.get(point.seq)
        if found is None:
            where = "newer checkpoints were removed from it" if point.seq > newest_seq else "it was removed"
            problems.append(Problem(None, f"checkpoint {point.seq} given is not in the checkpoint file: {where}"))
        elif found.tag != point.tag:
            problems.append(
                Problem(None, f"checkpoint {point.seq} in the checkpoint file differs from the one given: rewritten")
            )
    return problems


def verify(session: Session, batch: int = 5000, now: datetime | None = None, given: Sequence[str] = ()) -> Verification:
    """Check the chain, the codes and (if a checkpoint file is configured) the checkpoints.

    ``given``: checkpoint lines from outside (the admins' email, the Atom feed), each checked like
    a line of the file (its entry must still exist with the recorded code; entries after it
    must not be gone) and against the file, so that a log and a checkpoint file rewritten
    together are still found. A line that is not an authentic checkpoint is a problem.

    Raises AuditKeyUnavailable without an audit key. Reads the entries in batches of ``batch``.
    """
    keys = _keys(session)
    settings = _checkpoint_settings(session)
    now = now or datetime.now(UTC)
    problems: list[Problem] = []
    points: list[Checkpoint] = []
    if settings.path is not None:
        try:
            parsed = _parse_checkpoints(_read_lines(settings.path), keys)
        except OSError as exc:
            parsed = _CheckpointFile(problems=[Problem(1, f"the checkpoint file cannot be read: {exc.strerror}")])
        points = parsed.checkpoints
        problems += parsed.problems
    pasted: list[Checkpoint] = []
    for number, line in enumerate(given, start=1):
        try:
            pasted.append(parse_checkpoint_line(session, line))
        except CheckpointLineError as exc:
            problems.append(Problem(None, f"checkpoint line {number} given: {exc}"))
    if settings.path is not None:
        problems += _compare_with_file(pasted, points)
    keyed_from = min((p.keyed_from for p in points + pasted if p.keyed_from is not None), default=None)
    checked, legacy, _, broken = _walk_chain(session, keys, keyed_from, batch)
    newest_id = session.scalar(select(func.max(AuditEntry.id))) or 0
    entry_problems = [broken] if broken else []
    if settings.path is not None or pasted:
        # A line given by hand comes last, so that it is what an entry is compared with.
        entry_problems += _check_checkpoints(session, points + pasted, newest_id)
        newest = max(points, key=lambda p: p.at, default=None)
        if newest is None:
            oldest_at = session.scalar(select(func.min(AuditEntry.at)))
            if oldest_at is not None and now - oldest_at > settings.max_age:
                problems.append(Problem(1, "no checkpoint of the log exists: run `audit checkpoint` periodically"))
        elif now - newest.at > settings.max_age:
            minutes = int(settings.max_age.total_seconds() // 60)
            problems.append(
                Problem(
                    max(p.entry for p in points) + 1,
                    f"the newest checkpoint ({newest.seq}, {newest.at:%Y-%m-%d %H:%M} UTC) is older than "
                    f"{minutes} minutes: checkpoints stopped, or newer ones were removed",
                )
            )
    entry_problems.sort(key=lambda p: p.entry_id or 0)
    problems = entry_problems + problems
    first = problems[0] if problems else None
    return Verification(
        ok=not problems,
        checked=checked,
        first_broken_id=first.entry_id if first else None,
        problem=first.message if first else None,
        problems=tuple(problems),
        legacy=legacy,
        checkpoints=len(points) if settings.path is not None else None,
        last_checkpoint=points[-1] if points else None,
        given=len(pasted),
    )
