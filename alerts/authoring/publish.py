"""Publishing an alert, updating it and retracting it: each an AlertMessage sent through the outbox.

No Flask imports. Every publish, update and retraction note runs the anonymity check again here,
on the server, against the report's identity section and the reporter's own free text; a hit
raises ``Blocked`` and nothing is written. The same check then runs on the text message that
subscribers will be sent (``text_message_hits``): the message as the SMS channel renders it, in
every language a subscriber may have chosen, with a placeholder for her link. Its plates and
numbers go first, side by side, and a long title is cut to fit two segments, so it can say what
the title and text did not (two numbers far apart in the text, next to each other in the
message); a hit there raises ``BlockedTextMessage`` and nothing is written.

Names of other people from her own account in the text raise ``NamesToConfirm`` until the
coordinator sending it confirms exactly those names. The message, the alert's new state, the
report's status, the outbox rows (``alerts.delivery.outbox.enqueue``) and the audit entry are all
written in the caller's one transaction, so an alert is never published without its deliveries,
nor delivered unpublished.

When the installation requires a second coordinator's approval, ``submit`` freezes the draft
for approval and ``approve`` (by a coordinator who neither wrote nor submitted it) publishes it.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from alerts.authoring import anonymity, compose
from alerts.delivery import outbox, wording
from alerts.delivery.render import Published
from alerts.delivery.sms import text as sms_text
from ugly_mugs import audit, disclosure
from ugly_mugs.crypto import sealing
from ugly_mugs.models import Account, Alert, AlertMessage, Area, Report
from ugly_mugs.models.alerts import SEVERITIES
from ugly_mugs.models.base import utcnow
from ugly_mugs.reports import fields, reading
from ugly_mugs.reports.sections import INCIDENT

ALERT_PUBLISHED = "alert_published"
MAX_NOTE = 2000
# Stands for a subscriber's link in the text message checked at publishing (her own link is made
# by the worker): as long as a real one (``PUBLIC_URL`` + ``/a/`` + a 22-character token), so the
# title is cut where it will be; no letter or digit in the token reads as anyone's.
CHECK_LINK = "https://alerts.example.org/a/" + "_" * 22


def check_link(public_url: str) -> str:
    """The placeholder of a subscriber's link on this site (``UGLY_MUGS_PUBLIC_URL``)."""
    return f"{public_url.rstrip('/')}/a/" + "_" * 22 if public_url else CHECK_LINK


# What a blocked passage of a text message is called, by its language (coordinators read English).
LANGUAGE_NAMES = {"en": "English", "ro": "Romanian", "pt_BR": "Portuguese", "pl": "Polish", "bg": "Bulgarian"}


class PublishError(ValueError):
    """The action is not possible now; the message is safe to show to staff."""


class Blocked(PublishError):
    """The anonymity check found words that could identify the reporter; the message names each."""

    def __init__(self, hits: list[anonymity.Hit]):
        listed = " ".join(dict.fromkeys(h.message for h in hits))
        super().__init__(
            f"The alert repeats something that could identify the reporter: {listed} Change the marked words."
        )
        self.hits = hits


class BlockedTextMessage(Blocked):
    """The text message subscribers would be sent repeats something that could identify the
    reporter, though the title and text did not; ``found`` names each passage and language. There
    is nothing to mark in the draft's fields (``hits`` is empty): the message says what to change."""

    def __init__(self, found: list[disclosure.Found]):
        PublishError.__init__(
            self,
            "The text message sent to subscribers would repeat something that could identify the reporter: "
            + " ".join(dict.fromkeys(f.message for f in found))
            + " It puts the plates and numbers first, next to each other, and cuts a long title: change the "
            "title or the numbers in the text so that it no longer says this.",
        )
        self.hits = []
        self.found = found


class NamesToConfirm(PublishError):
    """The text names people from the reporter's own account; nothing is sent until the coordinator
    confirms exactly these ``names`` (``flagged`` marks them in the text)."""

    def __init__(self, flagged: list[anonymity.Hit], names: tuple[str, ...]):
        listed = ", ".join(f"“{n}”" for n in names)
        super().__init__(
            f"The text names {listed} from the reporter's own account. Make sure no such name can lead to her "
            "(her family, friends, neighbours, her place), then tick the confirmation and send again."
        )
        self.flagged = flagged
        self.names = names


@dataclass(frozen=True)
class Review:
    """The check of a text against the alert's report, and her own words (``compose.HerWords``)
    for the page to show beside the draft."""

    checked: anonymity.Checked
    words: list[compose.HerWords]
    # What the check compared with: her profile, her own words, words that are not people.
    protected: disclosure.Profile | None = None
    her_words: tuple[str, ...] = ()
    known: tuple[str, ...] = ()


def reporter_free_text(incident: Iterable[dict]) -> list[str]:
    """The reporter's own words in the incident section (every version): the keys the field
    declaration marks ``free_text``."""
    keys = fields.free_text_keys(INCIDENT)
    return [str(value) for version in incident for key, value in version.items() if key in keys and value]


def _opened(session: Session, alert: Alert, pair: sealing.KeyPair, actor: Account) -> reading.Opened:
    report = session.get(Report, alert.report_id) if alert.report_id else None
    if report is None or report.status == "erased":
        raise PublishError("The report this alert was written from was deleted; it can no longer be checked or sent.")
    opened = reading.open_with_scheme_key(session, report.id, pair)
    if not opened.sections.get("identity") and not opened.sections.get("incident"):
        raise PublishError("The report cannot be opened with your key, so the alert cannot be checked.")
    audit.record(
        session,
        "report_read",
        actor_id=actor.id,
        report_id=report.id,
        reason="alert",
        detail={"alert": alert.reference, "for": "anonymity check"},
    )
    return opened


def review(
    session: Session, alert: Alert, text: dict[str, str], pair: sealing.KeyPair, actor: Account, region: str
) -> Review:
    """Run the anonymity check of ``text`` (draft field → text) against the alert's report,
    opened with the scheme key ``pair`` (audited as a read); ``region``: the ISO 3166 country of
    phone numbers written without a code. Raises ``PublishError`` when the report is gone or
    the key opens nothing of it."""
    opened = _opened(session, alert, pair, actor)
    incident, perpetrator = opened.sections.get("incident", []), opened.sections.get("perpetrator", [])
    protected = anonymity.protected_from(
        opened.sections.get("identity", []), reporter_free_text(incident), perpetrator, region
    )
    words = compose.her_words(incident, perpetrator)
    known = (*session.scalars(select(Area.name)), *compose.about_him(perpetrator))
    hers = tuple(w.text for w in words)
    return Review(anonymity.judge(text, protected, hers, known), words, protected, hers, known)


def text_message_hits(
    message: Published, checked: Review, region: str, confirmed: Collection[str] = (), link: str = CHECK_LINK
) -> list[disclosure.Found]:
    """What blocks the text message of ``message``: the guard (``disclosure.guard``, as for the
    title and text, against ``checked``'s profile) on the message as ``alerts.delivery.sms.text``
    renders it in each language of ``wording.LOCALES`` with ``link`` for her link; names of people
    from her account that the coordinator did not confirm block too. A message too long for two
    texts in a language is not checked there: the worker sends it nowhere."""
    texts = {}
    for locale in wording.LOCALES:
        try:
            rendered = sms_text.render(message, wording.wording(locale), link, region=region)
        except ValueError:
            continue
        texts[f"the text message in {LANGUAGE_NAMES.get(locale, locale)}"] = rendered.text
    if not texts or checked.protected is None:
        return []
    verdict = disclosure.guard(texts, checked.protected, checked.her_words, checked.known)
    unconfirmed = set(verdict.names) - set(confirmed)
    found = [*verdict.blocked, *(f for f in verdict.flagged if f.name in unconfirmed)]
    # The same words in several languages are named once, in the first language they are found.
    return list({(f.phrase, f.kind): f for f in reversed(found)}.values())[::-1]


def check(
    session: Session, alert: Alert, text: dict[str, str], pair: sealing.KeyPair, actor: Account, region: str
) -> list[anonymity.Hit]:
    """What blocks ``text`` (``review``'s hits)."""
    return review(session, alert, text, pair, actor, region).checked.hits


def _require_clean(
    session, alert, text, pair, actor, region, confirmed: Collection[str] = (), link: str = CHECK_LINK
) -> _TextCheck:
    """The check of ``text``; what the text message's check needs next (``_TextCheck``)."""
    done = review(session, alert, text, pair, actor, region)
    checked = done.checked
    if checked.hits:
        raise Blocked(checked.hits)
    if not checked.confirmed_by(confirmed):
        raise NamesToConfirm(checked.flagged, checked.names)
    return _TextCheck(done, region, tuple(confirmed), link)


@dataclass(frozen=True)
class _TextCheck:
    """The text message's check of a message about to be written (``text_message_hits``)."""

    review: Review
    region: str
    confirmed: tuple[str, ...]
    link: str = CHECK_LINK

    def require(self, session: Session, alert: Alert, actor: Account, *fields) -> None:
        """Check the text message of the message ``_message(session, alert, actor, *fields)``
        would write; before anything changes, so a refusal leaves the alert as it was."""
        message = _message(session, alert, actor, *fields)
        published = Published.of(message, alert.reference)
        found = text_message_hits(published, self.review, self.region, self.confirmed, self.link)
        if found:
            raise BlockedTextMessage(found)


def _transition(session: Session, alert: Alert, expected: tuple[str, ...], **values) -> None:
    """Change the alert only if it is still in an expected state, as one UPDATE.

    Two coordinators pressing Publish at once both saw a draft; the second UPDATE finds the alert
    published (PostgreSQL waits for the first's row lock, SQLite for its write lock) and changes
    nothing, so the alert is not sent twice. Taking the row first also orders the messages'
    sequence numbers of concurrent updates.
    """
    result = session.execute(
        sql_update(Alert).where(Alert.id == alert.id, Alert.status.in_(expected)).values(**values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise PublishError("Someone else changed this alert meanwhile. Reload the page to see it.")
    for name, value in values.items():
        set_committed_value(alert, name, value)


def _area_names(session: Session, codes: list[str]) -> str:
    names = session.scalars(select(Area.name).where(Area.code.in_(codes)).order_by(Area.id)).all()
    return ", ".join(names)[:1000]


def _next_sequence(session: Session, alert: Alert) -> int:
    return (session.scalar(select(func.max(AlertMessage.sequence)).where(AlertMessage.alert_id == alert.id)) or 0) + 1


def _message(
    session: Session,
    alert: Alert,
    actor: Account,
    kind: str,
    severity: str,
    title: str,
    body: str,
    draft: compose.Draft,
) -> AlertMessage:
    """The message as it will be written (not yet added to the session)."""
    return AlertMessage(
        alert_id=alert.id,
        sequence=_next_sequence(session, alert),
        kind=kind,
        message_id=uuid.uuid4().hex,
        severity=severity,
        title=title[:200],
        body=body,
        areas=_area_names(session, draft.areas),
        incident_week=draft.incident_week,
        part_of_day=draft.part_of_day,
        published_by=actor.id,
        published_at=utcnow(),
    )


def _send(
    session: Session,
    alert: Alert,
    actor: Account,
    kind: str,
    severity: str,
    title: str,
    body: str,
    draft: compose.Draft,
) -> AlertMessage:
    """Write the message and its deliveries (after ``_transition``, which orders the sequence)."""
    message = _message(session, alert, actor, kind, severity, title, body, draft)
    session.add(message)
    session.flush()
    deliveries = outbox.enqueue(session, message)
    audit.record(
        session,
        f"alert_{kind}" if kind != "alert" else "alert_published",
        actor_id=actor.id,
        report_id=alert.report_id,
        detail={"alert": alert.reference, "message": message.message_id, "deliveries": deliveries},
    )
    return message


def _usable(draft: compose.Draft, session: Session) -> None:
    known = set(session.scalars(select(Area.code)))
    problems = compose.validate(draft, known)
    if problems:
        raise PublishError(next(iter(problems.values())))


def submit(
    session: Session,
    alert: Alert,
    coordinator: Account,
    pair: sealing.KeyPair,
    region: str,
    confirmed: Collection[str] = (),
    link: str = CHECK_LINK,
) -> None:
    """Ask a second coordinator to approve the draft; checked first, so nobody approves a blocked
    draft. ``confirmed``: the names of other people from her account the coordinator confirmed;
    ``link``: a placeholder of this site's alert links (``check_link``)."""
    if alert.status != "draft":
        raise PublishError("Only a draft can be sent for approval.")
    draft = compose.open_draft(session, alert, pair)
    _usable(draft, session)
    text_check = _require_clean(session, alert, draft.text(), pair, coordinator, region, confirmed, link)
    text_check.require(session, alert, coordinator, "alert", draft.severity, draft.title, draft.body, draft)
    _transition(session, alert, ("draft",), status="awaiting_approval", submitted_by=coordinator.id)
    audit.record(
        session,
        "alert_submitted",
        actor_id=coordinator.id,
        report_id=alert.report_id,
        detail={"alert": alert.reference},
    )
    session.flush()


def return_to_draft(session: Session, alert: Alert, coordinator: Account) -> None:
    """Take a draft back from approval so that it can be edited again."""
    if alert.status != "awaiting_approval":
        raise PublishError("This alert is not waiting for approval.")
    _transition(session, alert, ("awaiting_approval",), status="draft", submitted_by=None)
    audit.record(
        session, "alert_returned", actor_id=coordinator.id, report_id=alert.report_id, detail={"alert": alert.reference}
    )
    session.flush()


def can_approve(alert: Alert, coordinator: Account) -> bool:
    return alert.status == "awaiting_approval" and coordinator.id not in (alert.created_by, alert.submitted_by)


def publish(
    session: Session,
    alert: Alert,
    coordinator: Account,
    pair: sealing.KeyPair,
    *,
    region: str = "GB",
    approval_required: bool = False,
    confirmed: Collection[str] = (),
    shown: str | None = None,
    link: str = CHECK_LINK,
) -> AlertMessage:
    """Publish the stored draft as the alert's first message.

    With approval required, only a second coordinator can publish, from ``awaiting_approval``.
    ``confirmed``: the names of other people from her account that the coordinator confirmed;
    ``shown``: the ``Draft.fingerprint`` of the draft the page showed, when it showed it without
    a form to send back (approval): a draft changed since is refused, never sent unseen.
    """
    if approval_required:
        if alert.status != "awaiting_approval":
            raise PublishError("A second coordinator must approve this alert: send it for approval first.")
        if not can_approve(alert, coordinator):
            raise PublishError("A second coordinator must approve an alert that you wrote or sent for approval.")
    elif alert.status not in ("draft", "awaiting_approval"):
        raise PublishError("This alert has already been published.")
    draft = compose.open_draft(session, alert, pair)
    if shown is not None and not hmac.compare_digest(shown, draft.fingerprint()):
        raise PublishError("The draft changed since you opened this page. Read it again before approving.")
    _usable(draft, session)
    text_check = _require_clean(session, alert, draft.text(), pair, coordinator, region, confirmed, link)
    text_check.require(session, alert, coordinator, "alert", draft.severity, draft.title, draft.body, draft)
    changes = {"status": "published", "published_at": utcnow()}
    if approval_required:
        changes["approved_by"] = coordinator.id
    expected = ("awaiting_approval",) if approval_required else ("draft", "awaiting_approval")
    _transition(session, alert, expected, **changes)
    message = _send(session, alert, coordinator, "alert", draft.severity, draft.title, draft.body, draft)
    report = session.get(Report, alert.report_id)
    if report is not None and report.status not in ("erased", "closed"):
        report.status = ALERT_PUBLISHED
    session.flush()
    return message


def latest(session: Session, alert: Alert) -> AlertMessage | None:
    return session.scalar(
        select(AlertMessage).where(AlertMessage.alert_id == alert.id).order_by(AlertMessage.sequence.desc()).limit(1)
    )


def messages(session: Session, alert: Alert) -> list[AlertMessage]:
    return list(
        session.scalars(select(AlertMessage).where(AlertMessage.alert_id == alert.id).order_by(AlertMessage.sequence))
    )


def update(
    session: Session,
    alert: Alert,
    coordinator: Account,
    pair: sealing.KeyPair,
    title: str,
    body: str,
    severity: str,
    *,
    region: str = "GB",
    confirmed: Collection[str] = (),
    link: str = CHECK_LINK,
) -> AlertMessage:
    """Send an update of a published alert, marked UPDATE; checked like the first publication."""
    if alert.status != "published":
        raise PublishError("Only a published alert can be updated.")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise PublishError("Write a title and the text of the update.")
    if len(title) > compose.MAX_TITLE or len(body) > compose.MAX_BODY:
        raise PublishError("The update is too long.")
    if severity not in SEVERITIES:
        raise PublishError("Choose urgent, warning or information.")
    text_check = _require_clean(
        session, alert, {"title": title, "body": body}, pair, coordinator, region, confirmed, link
    )
    _require_clean_with_sent(session, alert, title, body, text_check.review.protected)
    draft = compose.open_draft(session, alert, pair)
    text_check.require(session, alert, coordinator, "update", severity, f"UPDATE: {title}", body, draft)
    _transition(session, alert, ("published",), severity=severity)
    return _send(session, alert, coordinator, "update", severity, f"UPDATE: {title}", body, draft)


# What a reader puts together from an alert and its update: a number or a postcode given in
# parts. (A date, a time or a word read across the join between two messages would be made by
# the join.)
SPLIT_ACROSS_MESSAGES = frozenset({"phone", "postcode"})


def _require_clean_with_sent(
    session: Session, alert: Alert, title: str, body: str, protected: disclosure.Profile | None
) -> None:
    """Recipients read an update beside what they were sent before: a detail of hers split
    between them (half her number in the alert, the rest in the update) is looked for in the
    whole. Raises ``Blocked`` with the part of each such passage that is in the update's title or
    text; what was sent before is not judged again (it was when it went)."""
    if protected is None:
        return
    sent = "".join(f"{message.title}\n{message.body}\n" for message in messages(session, alert))
    title_at = len(sent)
    body_at = title_at + len(title) + 1
    whole = f"{sent}{title}\n{body}"
    hits = []
    # Only her numbers and postcodes: a date, a time or a word read across the join would be
    # made by the join ("… he is 21." + "11 more women").
    for hit in disclosure.check(whole, protected, kinds=SPLIT_ACROSS_MESSAGES):
        if hit.start >= title_at or hit.end <= title_at:
            continue  # wholly in the update (judged with it already) or wholly in what was sent
        field, at = ("title", title_at) if hit.end <= body_at else ("body", body_at)
        shown = disclosure.excerpt(whole, max(hit.start, at), hit.end)
        message = f"“{shown}”, with what was sent before, {disclosure.LABELS[hit.kind]}."
        hits.append(anonymity.Hit(field, 0, hit.end - at, hit.kind, message))
    if hits:
        raise Blocked(hits)


def retract(
    session: Session,
    alert: Alert,
    coordinator: Account,
    pair: sealing.KeyPair,
    note: str = "",
    *,
    region: str = "GB",
    confirmed: Collection[str] = (),
    link: str = CHECK_LINK,
) -> AlertMessage:
    """Withdraw a published alert: a RETRACTED message to everyone who was sent it.

    An optional note is checked like any other text; without one the retraction says only that
    the warning is withdrawn, so it can be sent even when the report is gone.
    """
    if alert.status != "published":
        raise PublishError("Only a published alert can be retracted.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise PublishError(f"The note can be at most {MAX_NOTE} characters.")
    text_check = None
    if note:
        text_check = _require_clean(
            session, alert, {"title": "", "body": note}, pair, coordinator, region, confirmed, link
        )
    first = session.scalar(select(AlertMessage).where(AlertMessage.alert_id == alert.id, AlertMessage.sequence == 1))
    body = f"The warning {alert.reference} has been withdrawn. Please disregard it."
    if note:
        body += "\n\n" + note
    draft = compose.Draft(
        areas=compose.area_codes(session, alert),
        incident_week=first.incident_week if first else None,
        part_of_day=(first.part_of_day if first else None) or "not_sure",
    )
    title = f"RETRACTED: {first.title if first else alert.reference}"
    # Without a note every word was checked before (the first title, fixed wording).
    if text_check is not None:
        text_check.require(session, alert, coordinator, "retraction", alert.severity, title, body, draft)
    _transition(session, alert, ("published",), status="retracted", retracted_at=utcnow())
    return _send(session, alert, coordinator, "retraction", alert.severity, title, body, draft)
