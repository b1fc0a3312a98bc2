"""Messages on the receipt: a coordinator writes to the reporter, she reads and answers with her
receipt code — no account, no cookie. No Flask imports.

Each message is a report section named ``message`` (``sections.MESSAGE``), one version per
message, encrypted under its own key like every section, with its key sealed to exactly two
holders: the scheme key (coordinators) and her **message key pair**, derived from her receipt code
(``crypto.receipt.message_seed``). Its public half is stored with the report, so a coordinator can
seal to her without her code; its private half exists only while she has typed her code. No
police seal is made here: no consent level covers messages (``consent.seals`` skips them); at
"full report" a coordinator may pass one on to the unit (``consent.messages``).
Erasure deletes messages with the report's other sections, and the erasure key wraps their
seals like all others.

The content is ``{"from": "coordinator"|"reporter", "text": str, "hour": "YYYY-MM-DDTHH"}``:
times of her acts are kept to the hour, inside the encryption. ``Report.message_waiting`` says
whose turn it is to read (a workflow column that holds no content).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, coarse_time
from ugly_mugs.crypto import DecryptionError, aead, receipt, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.models import Account, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import filing, sections, statuses

FROM_COORDINATOR = "coordinator"
FROM_REPORTER = "reporter"
# Longest message either side may write, in characters.
MAX_TEXT = 2000
# A conversation longer than this is refused: the page shows every message.
MAX_MESSAGES = 200


class MessageError(ValueError):
    """The message cannot be sent; the text is safe to show."""


@dataclass(frozen=True)
class Message:
    """One message as shown: who wrote it, what, and the hour (``YYYY-MM-DD HH:00``, UTC)."""

    number: int
    sender: str
    text: str
    hour: str


def _hour() -> str:
    return coarse_time.now().strftime("%Y-%m-%dT%H")


def _key_pair(code: str) -> sealing.KeyPair:
    return sealing.key_pair_from_seed(receipt.message_seed(code))


def ensure_receipt_key(report: Report, code: str) -> None:
    """Store the public half of her message key pair if the report predates messages (her first
    return visit since); the caller commits. ``code`` must be the report's own code."""
    if report.receipt_public_key is None and report.status != statuses.ERASED:
        report.receipt_public_key = _key_pair(code).public


def can_write_to(report: Report) -> bool:
    """Whether a coordinator can send her a message: not erased, and her public key is known."""
    return report.status != statuses.ERASED and report.receipt_public_key is not None


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise MessageError("Write the message first.")
    if len(text) > MAX_TEXT:
        raise MessageError(f"A message can be at most {MAX_TEXT} characters.")
    return text


def _store(session: Session, report: Report, sender: str, text: str) -> int:
    """Encrypt and store one message; returns its number (the section version)."""
    latest = session.scalar(
        select(func.max(ReportSection.version)).where(
            ReportSection.report_id == report.id, ReportSection.name == sections.MESSAGE
        )
    )
    number = (latest or 0) + 1
    if number > MAX_MESSAGES:
        raise MessageError("This conversation is full.")
    erasure_key = erasure.report_key(session, report.id)
    scheme = keystore.scheme_key(session)
    key = aead.new_key()
    content = {"from": sender, "text": text, "hour": _hour()}
    row = {
        "report_id": report.id,
        "name": sections.MESSAGE,
        "version": number,
        "ciphertext": sections.encrypt_section(key, report.id, sections.MESSAGE, number, content),
    }
    seals = [
        {
            "holder": holder,
            "group_key_id": group_key_id,
            "sealed": sections.seal_to_public_key(
                public, key, report.id, sections.MESSAGE, number, holder, erasure_key
            ),
        }
        for holder, group_key_id, public in (
            (sections.SCHEME, scheme.id, scheme.public_key),
            (sections.RECEIPT, None, report.receipt_public_key),
        )
    ]
    filing.insert_sections(session, [(row, seals)])
    return number


def send_to_reporter(session: Session, report: Report, coordinator: Account, text: str) -> int:
    """A coordinator's message to her; the caller commits. Audited (never the text). Raises
    MessageError when it cannot be sent (erased, no key of hers yet, empty or too long),
    KeyUnavailable when the scheme or erasure key is missing."""
    text = _clean(text)
    if not can_write_to(report):
        raise MessageError(
            "She cannot receive messages on this report yet: it was filed before messages existed, "
            "and she has not entered her receipt code since."
            if report.status != statuses.ERASED
            else "This report was deleted."
        )
    number = _store(session, report, FROM_COORDINATOR, text)
    report.message_waiting = FROM_REPORTER
    audit.record(session, "message_sent", actor_id=coordinator.id, report_id=report.id, detail={"number": number})
    return number


def reply(session: Session, report: Report, code: str, text: str) -> int:
    """Her answer, with her receipt code; the caller commits. Audited to the hour, never the text.
    Raises MessageError (empty, too long, erased)."""
    text = _clean(text)
    if report.status == statuses.ERASED:
        raise MessageError("This report was deleted.")
    ensure_receipt_key(report, code)
    number = _store(session, report, FROM_REPORTER, text)
    report.message_waiting = FROM_COORDINATOR
    audit.record(session, "message_replied", report_id=report.id, detail={"number": number}, coarse=True)
    return number


def _open(session: Session, report: Report, holder: str, group_key_ids: list[int] | None, pair) -> list[Message]:
    try:
        erasure_key = erasure.report_key(session, report.id)
    except erasure.ReportErased:
        return []
    query = (
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.report_id == report.id,
            ReportSection.name == sections.MESSAGE,
            SealedSectionKey.holder == holder,
        )
        .order_by(ReportSection.version)
    )
    if group_key_ids is not None:
        query = query.where(SealedSectionKey.group_key_id.in_(group_key_ids))
    found = []
    for section, sealed in session.execute(query).all():
        try:
            key = sections.open_with_key_pair(
                pair, sealed, report.id, sections.MESSAGE, section.version, holder, erasure_key
            )
            content = sections.decrypt_section(key, report.id, sections.MESSAGE, section.version, section.ciphertext)
        except DecryptionError:
            continue
        found.append(
            Message(
                number=section.version,
                sender=content.get("from", ""),
                text=content.get("text", ""),
                hour=content.get("hour", "").replace("T", " ") + ":00" if content.get("hour") else "",
            )
        )
    return found


def for_reporter(session: Session, report: Report, code: str) -> list[Message]:
    """Every message of the conversation, oldest first, opened with her code (nothing of an
    erased report, nothing for a code that is not this report's)."""
    return _open(session, report, sections.RECEIPT, None, _key_pair(code))


def for_unit(session: Session, report: Report, pair: sealing.KeyPair, unit_key_ids: list[int]) -> list[Message]:
    """The messages a coordinator passed on to the report's unit (``consent.messages``), opened
    with its key pair; the caller audits the read (the officer's opening of the report)."""
    return _open(session, report, sections.UNIT, unit_key_ids, pair)


def has_news_for_reporter(report: Report) -> bool:
    """Whether the last message is a coordinator's she has not yet been shown."""
    return report.message_waiting == FROM_REPORTER


def seen_by_reporter(report: Report) -> None:
    """She has been shown the conversation (the caller commits)."""
    if report.message_waiting == FROM_REPORTER:
        report.message_waiting = None


def for_coordinator(
    session: Session, report: Report, coordinator: Account, pair: sealing.KeyPair, reason: str
) -> list[Message]:
    """Every message, oldest first, opened with the scheme key; audited with the stated
    ``reason`` (one of ``audit.READ_REASONS``, else ValueError). Her waiting reply counts as read."""
    if reason not in audit.READ_REASONS:
        raise ValueError("Choose why you are opening this report.")
    scheme_ids = [keystore.scheme_key(session).id, *keystore.retiring_ids(session)]
    found = _open(session, report, sections.SCHEME, scheme_ids, pair)
    if found:
        audit.record(
            session,
            "messages_read",
            actor_id=coordinator.id,
            report_id=report.id,
            reason=reason,
            detail={"count": len(found)},
        )
    if report.message_waiting == FROM_COORDINATOR:
        report.message_waiting = None
    return found
