"""Copies of the audit checkpoints where whoever controls the database cannot reach them (P5).

``audit checkpoint`` appends each checkpoint to a file outside the database
(``ugly_mugs.audit``). Someone who controls that host could still rewrite the file together
with the log. So each checkpoint line is also

- **mailed to the admins** (``UGLY_MUGS_AUDIT_CHECKPOINT_EMAIL``), through the SMTP relay the
  alert emails use: once sent it sits in mailboxes the scheme's hosts cannot edit;
- **written to an Atom feed file** (``UGLY_MUGS_AUDIT_CHECKPOINT_FEED``, RFC 4287) that an
  outside watcher can fetch and keep (served by a plain web server, or copied off the host). A
  file rather than a page of the app: a watcher then needs neither a staff login (two factors)
  nor anything that reads the database, and the feed stays readable while the app is down.

Both hold the checkpoint line and nothing else: a sequence number, a time, an audit entry's
id, that entry's authentication code and checkpoint tags — nothing of any report or account.
Any such line, pasted back into ``audit verify --checkpoint``, is checked against the log and
the file (``audit.verify``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from xml.etree import ElementTree as ET

from alerts.delivery.channels.base import DeliveryFailed
from alerts.delivery.channels.email import Mailer, Sender, SmtpSettings, SmtpSettingsError
from ugly_mugs.audit import Checkpoint

ATOM = "http://www.w3.org/2005/Atom"
# How many checkpoints the feed keeps, newest first: with the hourly timer, about four days for
# a watcher that was away; every line stays in the checkpoint file and the mails.
FEED_ENTRIES = 100
FEED_ID = "urn:ugly-mugs:audit-checkpoints"


class ExportFailed(RuntimeError):
    """A checkpoint could not be mailed or its feed written; the message says why (no address)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def checkpoint_mail(point: Checkpoint, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The mail of one checkpoint: the line as its whole body, the number, entry and time (UTC)
    in the subject. ``sender`` is UGLY_MUGS_MAIL_FROM; ``recipients`` go into one ``To:`` line."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = f"Audit checkpoint {point.seq}: entry {point.entry} at {point.at:%Y-%m-%d %H:%M:%S} UTC"
    mail["Date"] = formatdate(point.at.timestamp(), usegmt=True)
    mail["Message-ID"] = make_msgid(domain=Sender(sender).domain)
    # 7bit: the line (about 300 ASCII characters, under the 998 of RFC 5322) stays whole in the
    # mail's source too, without quoted-printable soft breaks.
    mail.set_content(point.line() + "\n", cte="7bit")
    return mail


def mail_checkpoint(point: Checkpoint, config: Mapping[str, object]) -> None:
    """Mail ``point`` to UGLY_MUGS_AUDIT_CHECKPOINT_EMAIL (nothing if empty) over the alert
    emails' relay (UGLY_MUGS_SMTP_URL, _SMTP_PASSWORD, _SMTP_CA_FILE, _SMTP_TIMEOUT).

    Raises ExportFailed if the settings cannot be used or the relay does not take it for every
    recipient."""
    recipients = list(config.get("AUDIT_CHECKPOINT_EMAIL") or ())
    if not recipients:
        return
    try:
        smtp = SmtpSettings.from_url(
            str(config["SMTP_URL"]),
            password=str(config.get("SMTP_PASSWORD") or "") or None,
            ca_file=str(config.get("SMTP_CA_FILE") or "") or None,
            timeout=float(config.get("SMTP_TIMEOUT", 30)),
        )
    except SmtpSettingsError as exc:
        raise ExportFailed(f"UGLY_MUGS_SMTP_URL: {exc}") from None
    sender = str(config["MAIL_FROM"])
    with Mailer(smtp, Sender(sender)) as mailer:
        try:
            mailer.send_mail(checkpoint_mail(point, sender, recipients), recipients)
        except DeliveryFailed as exc:
            raise ExportFailed(exc.reason) from None


def atom(points: Sequence[Checkpoint], now: datetime) -> bytes:
    """The Atom document of ``points`` (file order), newest first, at most FEED_ENTRIES. Each
    entry's id is its checkpoint's tag, its content the checkpoint line."""
    ET.register_namespace("", ATOM)
    newest = list(reversed(points[-FEED_ENTRIES:]))
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = FEED_ID
    ET.SubElement(feed, f"{{{ATOM}}}title").text = "Ugly Mugs audit checkpoints"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _iso(newest[0].at if newest else now)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "audit checkpoint"
    for point in newest:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:ugly-mugs:audit-checkpoint:{point.tag}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"Audit checkpoint {point.seq}: entry {point.entry}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(point.at)
        ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "text"}).text = point.line()
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def write_feed(path: Path, points: Sequence[Checkpoint], now: datetime | None = None) -> None:
    """Replace the feed file at ``path`` with the feed of ``points``, at once (a temporary file in
    the same directory, renamed), readable by all (0644: a web server or a copying job reads it;
    it holds nothing secret). Raises ExportFailed if the directory cannot be written."""
    document = atom(points, now or datetime.now(UTC))
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ExportFailed(f"cannot write the checkpoint feed {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(document)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportFailed(f"cannot write the checkpoint feed {path}: {exc.strerror}") from None
