"""The figures of one period: every table, chart series and headline sentence, suppressed as one.

Each published number gets a key and each additive relation between published numbers an
equation (``suppression.Equation``); the whole period is suppressed together, so a number
hidden in one table is hidden wherever else it appears. To add figures when their tables
exist (repeat identifiers), count them in ``queries``, register their numbers and equations
in ``_register``, lay out their tables in ``build`` and, for a chart, add it to
``charts.for_figures``; suppression, CSV and PDF then follow.

The time from report to alert is published as counts per band of time (suppressed like any
count, and adding up, with the alerts whose report is no longer held, to the alerts
published) and as a median and 90th percentile, which are shown only when at least
``threshold`` alerts contribute: a median of two values would give both away.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from ugly_mugs import consent
from ugly_mugs.models.alerts import SEVERITY_LABELS
from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.reports import reporter_types, statuses
from ugly_mugs.stats import suppression
from ugly_mugs.stats.periods import Bucket, Period
from ugly_mugs.stats.queries import NO_OUTCOME, Counts

DEFAULT_THRESHOLD = 5

# Labels for the plain codes. Codes found in the data but not listed here still count,
# under their code, so that every breakdown adds up to the total.
REPORTER_LABELS = reporter_types.LABELS
CONSENT_LABELS = consent.LABELS
STATUS_LABELS = statuses.LABELS
POLICE_LEVELS = (consent.ANONYMOUS_INTELLIGENCE, consent.FULL_REPORT)
NO_OUTCOME_LABEL = "No outcome recorded yet"
POLICE_NOTE = (
    "Counted by the date each report was passed to police, whenever it was received, so these are "
    "not the same reports as in the other tables. Each report counts once, under the latest outcome "
    "recorded for it so far (by the date of the outcome); earlier outcomes are not counted. Reports "
    "whose reporter later withdrew consent still count, as they were passed on; reports the reporter "
    "deleted do not."
)

MESSAGE_KINDS = {"alert": "Alerts published", "update": "Updates", "retraction": "Retractions"}
# Bands of the time from report to alert: (hours below which an alert falls in the band, label).
# Words, not digits, so that a band's name is never read as a count.
TIME_BANDS = (
    (24, "Within a day"),
    (72, "One to three days"),
    (168, "Three to seven days"),
    (None, "More than seven days"),
)
UNTIMED_LABEL = "Report no longer held (not timed)"
PERCENTILE_METHOD = (
    "The median is the middle value (the mean of the two middle values for an even number); the 90th "
    "percentile is interpolated linearly between the two nearest values (the 'inclusive' method, as "
    "a spreadsheet's PERCENTILE.INC)."
)
ALERT_TIME_NOTE = (
    "Alerts first published in the period, by the time from the hour their report was received to the "
    "first publication, in whole hours. Alerts whose report was since erased or deleted cannot be timed. "
    + PERCENTILE_METHOD
)
ALERTS_NOTE = (
    "Counted by the day each message went out: an alert when first published, then each update and "
    "its retraction, whenever the alert was first published; by the severity the message went out with."
)
REPEAT_NOTE = (
    "Reports received in the period that share a whole phone number, plate, email or username with "
    "another report of any date, found by comparing keyed digests (no identifier is read). A match on "
    "part of a plate is only a possible one and is not counted."
)
PROJECTS_NOTE = (
    "Distinct projects with a delivery of a message published in the period; a project can be in "
    "both rows. A count of projects is not about a person, but it is withheld below the threshold "
    "like every other count, so that one rule holds everywhere."
)

# Figures of the issue that need tables other parts of the system have not built yet.
NOT_YET: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """A published number: its value, or None when it is withheld."""

    value: int | None

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass
class Table:
    id: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    note: str = ""


@dataclass
class Share:
    label: str
    cell: Cell
    percent: float | None


@dataclass
class PeriodFigures:
    period: Period
    threshold: int
    buckets: list[Bucket]
    total: Cell
    tables: dict[str, Table]
    headlines: list[str]
    consent_shares: list[Share]
    # Chart series: label -> cells per bucket
    per_bucket: list[Cell] = field(default_factory=list)
    category_series: list[tuple[str, list[Cell]]] = field(default_factory=list)
    consent_series: list[tuple[str, list[Cell]]] = field(default_factory=list)
    # Of the reports passed to police in the period, those with any outcome recorded (headline only).
    police_recorded: Cell = field(default_factory=lambda: Cell(0))
    # Median and 90th percentile of the hours from report to alert; None when too few alerts to show.
    alert_median_hours: float | None = None
    alert_p90_hours: float | None = None
    # The same as (label, text) lines for the pages, the PDF and the CSV.
    alert_time_summary: list[tuple[str, str]] = field(default_factory=list)
    not_yet: tuple[str, ...] = NOT_YET

    @property
    def withheld_text(self) -> str:
        return withheld_text(self.threshold)

    @property
    def footnote(self) -> str:
        return footnote(self.threshold)

    def text(self, cell: Cell) -> str:
        return str(cell.value) if cell.shown else self.withheld_text


def withheld_text(threshold: int) -> str:
    """The label of every withheld number. One label for all: calling the small ones "fewer
    than N" would tell a reader they lie between 1 and N - 1, and would be untrue of the
    numbers withheld to protect them (``suppression``)."""
    return "withheld*"


def footnote(threshold: int) -> str:
    return (
        f"* Withheld: a count of fewer than {threshold} (but not none), or a number withheld beside one so "
        f"that no such count can be worked out, or narrowed to a range less than {threshold} wide, from the "
        "totals and other figures."
    )


class _Sheet:
    """Numbers and equations collected before suppression."""

    def __init__(self) -> None:
        self.values: dict[Hashable, int] = {}
        self.equations: list[suppression.Equation] = []
        self.hidden: set[Hashable] = set()

    def number(self, key: Hashable, value: int) -> Hashable:
        self.values[key] = value
        return key

    def equation(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        parts = tuple(parts)
        if parts:
            self.equations.append(suppression.Equation(total, parts))

    def cell(self, key: Hashable) -> Cell:
        return Cell(None if key in self.hidden else self.values[key])


def _ordered(known: Iterable[str], seen: Iterable[str]) -> list[str]:
    known = list(known)
    return known + sorted(set(seen) - set(known))


def _register(sheet: _Sheet, counts: Counts, category_codes: Sequence[str], dims: dict) -> None:
    buckets = range(len(counts.period.buckets()))
    total = sheet.number(("total",), counts.total())
    per_bucket = counts.by(0)
    sheet.equation(total, [sheet.number(("bucket", b), per_bucket[(b,)]) for b in buckets])
    for name, position, codes in (
        ("area", 1, dims["areas"]),
        ("reporter", 2, dims["reporters"]),
        ("consent", 3, dims["levels"]),
        ("status", 4, dims["statuses"]),
    ):
        by = counts.by(position)
        sheet.equation(total, [sheet.number((name, c), by[(c,)]) for c in codes])
    by_level = counts.by(3)
    police = sheet.number(("consent_police",), sum(by_level[(level,)] for level in POLICE_LEVELS))
    sheet.equation(police, [("consent", level) for level in POLICE_LEVELS])
    bucket_level = counts.by(0, 3)
    for b in buckets:
        sheet.equation(
            ("bucket", b), [sheet.number(("bucket_consent", b, lv), bucket_level[(b, lv)]) for lv in dims["levels"]]
        )
    for level in dims["levels"]:
        sheet.equation(("consent", level), [("bucket_consent", b, level) for b in buckets])
    # A report can have several categories, so categories do not add up to the reports of a
    # week; each category's total over the period is still the sum of its weeks.
    for code in category_codes:
        total_key = sheet.number(("category", code), sum(counts.categories[(b, code)] for b in buckets))
        sheet.equation(
            total_key, [sheet.number(("bucket_category", b, code), counts.categories[(b, code)]) for b in buckets]
        )
    # Reports passed to police in the period (by the date passed on, a population of its own),
    # by latest outcome; the headline also says how many have any outcome at all.
    outcomes = dims["outcomes"]
    passed = sheet.number(("police_passed",), sum(counts.police.values()))
    sheet.equation(passed, [sheet.number(("police_outcome", c), counts.police[c]) for c in outcomes])
    with_outcome = [c for c in outcomes if c != NO_OUTCOME]
    recorded = sheet.number(("police_recorded",), sum(counts.police[c] for c in with_outcome))
    sheet.equation(recorded, [("police_outcome", c) for c in with_outcome])
    # Alert messages published in the period, each kind a column adding up over severities.
    for kind in dims["kinds"]:
        sheet.equation(
            sheet.number(("messages", kind), sum(counts.messages[(kind, s)] for s in dims["severities"])),
            [sheet.number(("message", kind, s), counts.messages[(kind, s)]) for s in dims["severities"]],
        )
    # The alerts first published fall into bands of time, or have no report left to time from.
    bands = band_counts(counts.alert_hours)
    timed = sheet.number(("alert_timed",), sum(bands))
    band_keys = [sheet.number(("alert_time", i), n) for i, n in enumerate(bands)]
    sheet.equation(timed, band_keys)
    untimed = sheet.number(("alert_untimed",), sum(1 for h in counts.alert_hours if h is None))
    sheet.equation(("messages", "alert"), [*band_keys, untimed])
    # Distinct projects: two numbers with no sum between them (a project can be in both).
    sheet.number(("projects_reached",), counts.projects_reached)
    sheet.number(("projects_waiting",), counts.projects_waiting)
    # Reports of the period split by whether they share an identifier with another report.
    linked = sheet.number(("repeat_linked",), counts.repeat_linked)
    sheet.equation(total, [linked, sheet.number(("repeat_not_linked",), counts.total() - counts.repeat_linked)])


def band_counts(hours: Iterable[int | None]) -> list[int]:
    """How many of the timed alerts fall in each of ``TIME_BANDS``."""
    found = [0] * len(TIME_BANDS)
    # A year holds thousands of alerts but a few hundred distinct hours: band each hour once.
    for h, n in Counter(hours).items():
        if h is None:
            continue
        found[next(i for i, (below, _) in enumerate(TIME_BANDS) if below is None or h < below)] += n
    return found


def median_and_p90(hours: Sequence[float]) -> tuple[float, float]:
    """The median and the 90th percentile (linear interpolation, inclusive) of at least one value."""
    ordered = sorted(hours)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    return statistics.median(ordered), statistics.quantiles(ordered, n=10, method="inclusive")[-1]


def duration(hours: float) -> str:
    """Hours under two days as hours, longer as days to one decimal."""
    if hours < 48:
        whole = round(hours)
        return f"{whole} hour" if whole == 1 else f"{whole} hours"
    return f"{hours / 24:.1f} days"


def _count(figures_text, cell: Cell, singular: str, plural: str) -> str:
    if not cell.shown:
        return f"{figures_text(cell)} {plural}"
    return f"{cell.value} {singular if cell.value == 1 else plural}"


def build(counts: Counts, categories: Sequence, threshold: int = DEFAULT_THRESHOLD) -> PeriodFigures:
    """Suppress and lay out the figures of ``counts``; ``categories`` are the configured choices (code, label)."""
    if threshold < 1:
        raise ValueError("the suppression threshold must be at least 1")
    period = counts.period
    buckets = period.buckets()
    category_labels = {c.code: c.label for c in categories}
    category_codes = _ordered(category_labels, (code for _, code in counts.categories))
    reported_areas = {key[0] for key in counts.by(1)}
    areas = [a for a in counts.areas if a.active or a.id in reported_areas]
    dims = {
        "areas": [a.id for a in areas],
        "reporters": _ordered(REPORTER_LABELS, (k[0] for k in counts.by(2))),
        "levels": _ordered(CONSENT_LABELS, (k[0] for k in counts.by(3))),
        "statuses": _ordered(STATUS_LABELS, (k[0] for k in counts.by(4))),
        "outcomes": _ordered(OUTCOME_LABELS, (c for c in counts.police if c != NO_OUTCOME)) + [NO_OUTCOME],
        "kinds": _ordered(MESSAGE_KINDS, (k for k, _ in counts.messages)),
        "severities": _ordered(SEVERITY_LABELS, (s for _, s in counts.messages)),
    }
    sheet = _Sheet()
    _register(sheet, counts, category_codes, dims)
    sheet.hidden = suppression.suppress(sheet.values, sheet.equations, threshold)

    cell = sheet.cell
    text = withheld_text(threshold)

    def show(c: Cell) -> str:
        return str(c.value) if c.shown else text

    total = cell(("total",))
    bucket_head = "Week beginning" if period.bucket_name == "week" else "Month beginning"
    tables: dict[str, Table] = {}
    tables["per_bucket"] = Table(
        "per_bucket",
        f"Reports received per {period.bucket_name}",
        bucket_head,
        ["Reports"],
        [(b.label, [cell(("bucket", i))]) for i, b in enumerate(buckets)] + [("Total", [total])],
    )
    tables["categories"] = Table(
        "categories",
        f"Kinds of incident per {period.bucket_name}",
        bucket_head,
        [category_labels.get(c, c) for c in category_codes],
        [(b.label, [cell(("bucket_category", i, c)) for c in category_codes]) for i, b in enumerate(buckets)]
        + [("Total", [cell(("category", c)) for c in category_codes])],
        note="A report can name several kinds of incident, so these add up to more than the reports.",
    )
    level_labels = [CONSENT_LABELS.get(lv, lv) for lv in dims["levels"]]
    tables["consent_over_time"] = Table(
        "consent_over_time",
        f"Consent given, per {period.bucket_name}",
        bucket_head,
        level_labels + ["All reports"],
        [
            (b.label, [cell(("bucket_consent", i, lv)) for lv in dims["levels"]] + [cell(("bucket", i))])
            for i, b in enumerate(buckets)
        ]
        + [("Total", [cell(("consent", lv)) for lv in dims["levels"]] + [total])],
    )
    for key, title, header, codes, labels in (
        ("areas", "Reports by area", "Area", dims["areas"], {a.id: a.name for a in areas}),
        ("reporters", "Who filed the report", "Filed by", dims["reporters"], REPORTER_LABELS),
        ("consent", "Consent given", "Consent", dims["levels"], CONSENT_LABELS),
        ("status", "Where reports are now", "Status", dims["statuses"], STATUS_LABELS),
    ):
        name = {"areas": "area", "reporters": "reporter", "consent": "consent", "status": "status"}[key]
        tables[key] = Table(
            key,
            title,
            header,
            ["Reports"],
            [(labels.get(c, str(c)), [cell((name, c))]) for c in codes] + [("Total", [total])],
        )
    tables["status"].note = "Each report counts once, under where it is now."
    passed = cell(("police_passed",))
    police_recorded = cell(("police_recorded",))
    outcome_labels = OUTCOME_LABELS | {NO_OUTCOME: NO_OUTCOME_LABEL}
    tables["police"] = Table(
        "police",
        "Police outcomes: reports passed to police, by latest outcome",
        "Latest outcome",
        ["Reports"],
        [(outcome_labels.get(c, c), [cell(("police_outcome", c))]) for c in dims["outcomes"]] + [("Total", [passed])],
        note=POLICE_NOTE,
    )

    kind_labels = [MESSAGE_KINDS.get(k, k) for k in dims["kinds"]]
    tables["alerts"] = Table(
        "alerts",
        "Alert messages published, by severity",
        "Severity",
        kind_labels,
        [(SEVERITY_LABELS.get(s, s), [cell(("message", k, s)) for k in dims["kinds"]]) for s in dims["severities"]]
        + [("Total", [cell(("messages", k)) for k in dims["kinds"]])],
        note=ALERTS_NOTE,
    )
    published = cell(("messages", "alert"))
    tables["alert_time"] = Table(
        "alert_time",
        "Time from report to alert",
        "Time from report to first publication",
        ["Alerts"],
        [(label, [cell(("alert_time", i))]) for i, (_, label) in enumerate(TIME_BANDS)]
        + [(UNTIMED_LABEL, [cell(("alert_untimed",))]), ("Total", [published])],
        note=ALERT_TIME_NOTE,
    )
    reached, waiting = cell(("projects_reached",)), cell(("projects_waiting",))
    tables["projects"] = Table(
        "projects",
        "Projects reached by alerts",
        "Projects",
        ["Projects"],
        [
            ("With at least one delivery made", [reached]),
            ("With a delivery still pending or failed", [waiting]),
        ],
        note=PROJECTS_NOTE,
    )
    repeat = cell(("repeat_linked",))
    tables["repeat"] = Table(
        "repeat",
        "Repeat identifiers: reports linked to another",
        "Reports received",
        ["Reports"],
        [
            ("Sharing a phone number, plate, email or username with another report", [repeat]),
            ("Not linked to another report", [cell(("repeat_not_linked",))]),
            ("Total", [total]),
        ],
        note=REPEAT_NOTE,
    )
    timed_hours = [h for h in counts.alert_hours if h is not None]
    median = p90 = None
    if len(timed_hours) >= threshold:
        median, p90 = median_and_p90(timed_hours)
        summary = [("Median", duration(median)), ("90th percentile", duration(p90))]
        time_sentence = (
            f"median time from report to alert {duration(median)} (90th percentile {duration(p90)}), "
            f"over the {show(cell(('alert_timed',)))} alerts whose report is still held."
        )
    elif timed_hours:
        not_shown = f"fewer than {threshold} alerts; not shown"
        summary = [("Median", not_shown), ("90th percentile", not_shown)]
        time_sentence = f"time from report to alert not shown, as fewer than {threshold} alerts can be timed."
    else:
        summary = [("Median", "no alert to time"), ("90th percentile", "no alert to time")]
        time_sentence = "no alert whose report is still held, so no time from report to alert."

    shares = []
    for level in dims["levels"]:
        c = cell(("consent", level))
        percent = round(100 * c.value / total.value, 1) if c.shown and total.shown and total.value else None
        shares.append(Share(CONSENT_LABELS.get(level, level), c, percent))

    police = cell(("consent_police",))
    lv = {level: cell(("consent", level)) for level in dims["levels"]}
    rt = {t: cell(("reporter", t)) for t in dims["reporters"]}
    st = {s: cell(("status", s)) for s in dims["statuses"]}
    headlines = [
        f"{_count(show, total, 'report', 'reports')} received "
        f"from {period.start:%d %B %Y} to {period.last_day:%d %B %Y}.",
        f"{_count(show, rt['self'], 'was', 'were')} filed by the person it happened to, "
        f"{show(rt['outreach'])} by an outreach worker for them and {show(rt['third_party'])} by someone else.",
        f"{_count(show, police, 'report', 'reports')} with consent to share with police "
        f"({show(lv[consent.ANONYMOUS_INTELLIGENCE])} as anonymous intelligence, "
        f"{show(lv[consent.FULL_REPORT])} as a full report); "
        f"{show(lv[consent.ALERT_ONLY])} for alerts only.",
        f"{_count(show, st['alert_published'], 'report has', 'reports have')} an alert published "
        f"and {_count(show, st['passed_to_police'], 'has', 'have')} been passed to police.",
        f"{_count(show, passed, 'report', 'reports')} passed to police during the period, whenever received; "
        f"{show(police_recorded)} with an outcome recorded, the latest being a charge for "
        f"{show(cell(('police_outcome', 'charged')))} and a conviction for "
        f"{show(cell(('police_outcome', 'convicted')))}.",
        f"{_count(show, published, 'alert', 'alerts')} published "
        f"({show(cell(('message', 'alert', 'urgent')))} urgent, {show(cell(('message', 'alert', 'warning')))} "
        f"warning, {show(cell(('message', 'alert', 'information')))} information), "
        f"with {_count(show, cell(('messages', 'update')), 'update', 'updates')} and "
        f"{_count(show, cell(('messages', 'retraction')), 'retraction', 'retractions')}; {time_sentence}",
        f"{_count(show, repeat, 'report shares', 'reports share')} a phone number, plate, email or "
        "username with another report.",
        f"{_count(show, reached, 'project', 'projects')} reached by the alert messages of the period; "
        f"{_count(show, waiting, 'project has', 'projects have')} a delivery still pending or failed.",
    ]
    return PeriodFigures(
        period=period,
        threshold=threshold,
        buckets=buckets,
        total=total,
        tables=tables,
        headlines=headlines,
        consent_shares=shares,
        per_bucket=[cell(("bucket", i)) for i in range(len(buckets))],
        category_series=[
            (category_labels.get(c, c), [cell(("bucket_category", i, c)) for i in range(len(buckets))])
            for c in category_codes
        ],
        consent_series=[
            (CONSENT_LABELS.get(level, level), [cell(("bucket_consent", i, level)) for i in range(len(buckets))])
            for level in dims["levels"]
        ],
        police_recorded=police_recorded,
        alert_median_hours=median,
        alert_p90_hours=p90,
        alert_time_summary=summary,
    )
