"""What the coordinators' alert pages show, and the steps of writing an alert that need more than
one call to ``alerts.authoring``: starting a draft from a report, and saving a draft with its
anonymity check. No Flask imports.

Composing, the anonymity check and publishing themselves live in ``alerts.authoring``; this
module only gathers and sequences them for the pages.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.authoring import anonymity, compose, publish
from ugly_mugs import disclosure
from ugly_mugs.coordinator import casework
from ugly_mugs.crypto import sealing
from ugly_mugs.models import Account, Alert, AlertMessage, Area, Report
from ugly_mugs.reports import statuses

# The alert list's filter: alert status → what the list calls the alerts in it.
LIST_STATUSES = {
    "draft": "Drafts",
    "awaiting_approval": "Awaiting approval",
    "published": "Published",
    "retracted": "Retracted",
}
LIST_LIMIT = 200


def alert_by_reference(session: Session, reference: str) -> Alert | None:
    """The alert with this reference (for example "A-7K2Q9X"), or None."""
    return session.scalar(select(Alert).where(Alert.reference == reference))


def active_areas(session: Session) -> list[Area]:
    """The areas an alert can go to, in their order of creation."""
    return list(session.scalars(select(Area).where(Area.active).order_by(Area.id)))


@dataclass(frozen=True)
class AlertList:
    """The newest alerts (at most ``LIST_LIMIT``), of ``status`` if it is a key of
    ``LIST_STATUSES`` (else of every status), and the references of the reports they came from
    (report id → reference; a deleted report has none)."""

    rows: list[Alert]
    status: str
    references: dict[str, str]


def alert_list(session: Session, status: str) -> AlertList:
    query = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc()).limit(LIST_LIMIT)
    if status in LIST_STATUSES:
        query = query.where(Alert.status == status)
    else:
        status = ""
    rows = list(session.scalars(query))
    report_ids = [a.report_id for a in rows if a.report_id]
    references = dict(session.execute(select(Report.id, Report.reference).where(Report.id.in_(report_ids))).all())
    return AlertList(rows=rows, status=status, references=references)


@dataclass(frozen=True)
class AlertPage:
    """What the page of one alert shows.

    ``draft`` is the stored draft, opened with the scheme key (None once published, or without
    the key); ``problem`` says why it could not be opened, or carries the caller's message;
    ``preview`` cuts the shown title and body into (piece, is_hit) for highlighting what blocks
    and ``flagged_preview`` what is flagged; ``names``: the flagged names of other people from
    her account, to be confirmed; ``words``: her own words, shown beside the draft when the
    caller read the report (else None); ``people``: coordinator account id → username;
    ``areas``: those an alert can go to, and ``area_names``: area code → name of those.
    """

    alert: Alert
    report: Report | None
    draft: compose.Draft | None
    problem: str
    preview: dict[str, list[tuple[str, bool]]]
    flagged_preview: dict[str, list[tuple[str, bool]]]
    names: tuple[str, ...]
    words: list[compose.HerWords] | None
    holds_key: bool
    can_approve: bool
    messages: list[AlertMessage]
    people: dict[int, str]
    areas: list[Area]
    area_names: dict[str, str]


def alert_page(
    session: Session,
    alert: Alert,
    viewer: Account,
    pair: sealing.KeyPair | None,
    *,
    audit_read: bool,
    shown: Mapping[str, str] | None = None,
    hits: Iterable[anonymity.Hit] = (),
    problem: str = "",
    checked: anonymity.Checked | None = None,
    words: list[compose.HerWords] | None = None,
) -> AlertPage:
    """The page of ``alert`` for ``viewer``, a coordinator holding ``pair`` (the scheme key) or not.

    ``audit_read``: record the opening of the draft in the audit log (a plain visit; the caller
    commits). False when the caller has just read the report or written the draft itself in the
    same request, which is audited already. ``shown``: the title and body the page shows (a form
    sent back), else the stored draft's; ``hits``: what the anonymity check found in them (or
    ``checked``, the whole verdict, names flagged too); ``words``: her own words to show.
    """
    draft = None
    if pair is not None and alert.status in ("draft", "awaiting_approval"):
        try:
            if audit_read:
                draft = compose.read_draft(session, alert, pair, viewer)
            else:
                draft = compose.open_draft(session, alert, pair)
        except compose.DraftError as exc:
            problem = problem or str(exc)
    if shown is None:
        shown = draft.text() if draft is not None else {}
    hits = list(checked.hits if checked is not None else hits)
    flagged = checked.flagged if checked is not None else []
    areas = active_areas(session)
    return AlertPage(
        alert=alert,
        report=session.get(Report, alert.report_id) if alert.report_id else None,
        draft=draft,
        problem=problem,
        preview={name: anonymity.segments(shown.get(name) or "", hits, name) for name in anonymity.CHECKED_FIELDS},
        flagged_preview={
            name: anonymity.segments(shown.get(name) or "", flagged, name) for name in anonymity.CHECKED_FIELDS
        },
        names=checked.names if checked is not None else (),
        words=words,
        holds_key=pair is not None,
        can_approve=publish.can_approve(alert, viewer),
        messages=publish.messages(session, alert),
        people={a.id: a.username for a in session.scalars(select(Account).where(Account.role == "coordinator"))},
        areas=areas,
        area_names={a.code: a.name for a in areas},
    )


class CannotStart(ValueError):
    """No alert can be written from this report now; the message is safe to show to staff."""


def start(
    session: Session,
    report: Report,
    coordinator: Account,
    pair: sealing.KeyPair,
    category_labels: Mapping[str, str],
    region: str = "GB",
) -> Alert:
    """A new draft alert written from ``report``'s incident and perpetrator sections, as police
    below "full report" would see them: anything of hers typed into a field the draft is
    prefilled from (his description, say) is ``[withheld]`` in the draft, so that an unedited
    draft says nothing of her.

    Reads the report with the scheme key ``pair`` (audited, reason "alert"). ``category_labels``:
    the configured kinds of incident, code → label, for the draft's title; ``region``: the ISO
    3166 country of phone numbers written without a code. Raises
    ``CannotStart`` for a deleted or closed report, or one the key opens nothing of (the caller
    then rolls back, dropping the audit entry of a read that read nothing).
    """
    if report.status in (statuses.ERASED, statuses.CLOSED):
        raise CannotStart("No alert can be written from a deleted or closed report.")
    opened = casework.read_report(session, report, coordinator, pair, "alert")
    if not opened.sections.get("incident") and not opened.sections.get("perpetrator"):
        raise CannotStart("The report cannot be opened with your key.")
    area = session.get(Area, report.area_id)
    profile = disclosure.profile_from(opened.sections, region)
    draft = compose.prefill(
        [disclosure.withhold(version, profile)[0] for version in opened.sections.get("incident", [])],
        [disclosure.withhold(version, profile)[0] for version in opened.sections.get("perpetrator", [])],
        area_code=area.code if area else "",
        area_name=area.name if area else "",
        incident_week=report.incident_week,
        category_labels=dict(category_labels),
    )
    return compose.create(session, report, coordinator, draft)


class DraftRefused(ValueError):
    """The draft was not saved; ``problems``: draft field name → what to correct."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Checked:
    """A saved draft's anonymity check: the verdict (``checked``: what blocks, names flagged) and
    her own words, or ``unchecked``, why the check could not run (the draft is saved all the same)."""

    checked: anonymity.Checked
    words: list[compose.HerWords] | None = None
    unchecked: str = ""

    @property
    def hits(self) -> list[anonymity.Hit]:
        return self.checked.hits


def save_and_check(
    session: Session, alert: Alert, coordinator: Account, pair: sealing.KeyPair, draft: compose.Draft, region: str
) -> Checked:
    """Save ``draft`` as the alert's text (audited) and run the anonymity check on it against
    the report (an audited read with the scheme key ``pair``; ``region``: the ISO 3166 country
    for reading phone numbers). Raises ``DraftRefused`` before saving anything when a field is
    wrong (areas: the active ones only), ``compose.DraftError`` if the alert is no longer a draft."""
    problems = compose.validate(draft, {a.code for a in active_areas(session)})
    if problems:
        raise DraftRefused(problems)
    compose.save(session, alert, coordinator, draft)
    try:
        found = publish.review(session, alert, draft.text(), pair, coordinator, region)
    except publish.PublishError as exc:
        return Checked(anonymity.Checked(), None, str(exc))
    return Checked(found.checked, found.words)


def her_words(session: Session, alert: Alert, coordinator: Account, pair: sealing.KeyPair) -> list[compose.HerWords]:
    """Her own words in the alert's report, to show beside the draft: reads the report with the
    scheme key ``pair`` (audited, reason "alert"). Raises ``publish.PublishError`` when the
    report is gone or the key opens nothing of it."""
    report = session.get(Report, alert.report_id) if alert.report_id else None
    if report is None or report.status == statuses.ERASED:
        raise publish.PublishError("The report this alert was written from was deleted.")
    opened = casework.read_report(session, report, coordinator, pair, "alert")
    if not opened:
        raise publish.PublishError("The report cannot be opened with your key.")
    return compose.her_words(opened.sections.get("incident", []), opened.sections.get("perpetrator", []))


def publish_shown(
    session: Session,
    alert: Alert,
    coordinator: Account,
    pair: sealing.KeyPair,
    draft: compose.Draft,
    *,
    region: str,
    approval: bool,
    confirmed: Collection[str] = (),
    link: str = publish.CHECK_LINK,
) -> None:
    """Publish exactly ``draft``, the draft as the coordinator's page shows it (or, with
    ``approval``, send it for approval): it is saved first, in the same transaction, so nothing
    typed is lost and nothing unseen goes out. Raises ``DraftRefused`` before saving anything
    when a field is wrong, ``publish.Blocked`` or ``publish.NamesToConfirm`` (the draft is then
    saved: the caller commits) and ``publish.PublishError`` when it cannot go now."""
    if alert.status != "draft":
        raise publish.PublishError("Only a draft can be published; reload the page to see this alert now.")
    problems = compose.validate(draft, {a.code for a in active_areas(session)})
    if problems:
        raise DraftRefused(problems)
    compose.save(session, alert, coordinator, draft)
    if approval:
        publish.submit(session, alert, coordinator, pair, region, confirmed, link)
    else:
        publish.publish(session, alert, coordinator, pair, region=region, confirmed=confirmed, link=link)
