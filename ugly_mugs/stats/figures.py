"""The figures of one period: every table, chart series and headline sentence, suppressed as one.

Each published number gets a key and each additive relation between published numbers an
equation (``suppression.Equation``); the whole period is suppressed together, so a number
hidden in one table is hidden wherever else it appears. To add figures when their tables
exist (alerts and time to alert, repeat identifiers, projects reached), count them in
``queries``, register their numbers and equations in ``_register``, lay out their tables in
``build`` and, for a chart, add it to ``charts.for_figures``; suppression, CSV and PDF then
follow.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from ugly_mugs import consent
from ugly_mugs.stats import suppression
from ugly_mugs.stats.periods import Bucket, Period
from ugly_mugs.stats.queries import NO_OUTCOME, Counts

DEFAULT_THRESHOLD = 5

# Labels for the plain codes. Codes found in the data but not listed here still count,
# under their code, so that every breakdown adds up to the total.
REPORTER_LABELS = {
    "self": "The person it happened to",
    "outreach": "An outreach worker, for them",
    "third_party": "Someone else, for them",
}
CONSENT_LABELS = {
    consent.ALERT_ONLY: "Alert only",
    consent.ANONYMOUS_INTELLIGENCE: "Anonymous intelligence to police",
    consent.FULL_REPORT: "Full report to police",
}
STATUS_LABELS = {
    "received": "Received, not yet reviewed",
    "reviewed": "Reviewed",
    "alert_published": "Alert published",
    "passed_to_police": "Passed to police",
    "closed": "Closed",
}
POLICE_LEVELS = (consent.ANONYMOUS_INTELLIGENCE, consent.FULL_REPORT)
# The police portal's words for the outcomes an officer records (ugly_mugs.police.forms; a test
# keeps the two the same), repeated here because this module imports nothing of Flask.
OUTCOME_LABELS = {
    "recorded_as_crime": "Recorded as a crime",
    "under_investigation": "Under investigation",
    "suspect_arrested": "Suspect arrested",
    "charged": "Charged",
    "convicted": "Convicted",
    "no_further_action": "No further action",
}
NO_OUTCOME_LABEL = "No outcome recorded yet"
POLICE_NOTE = (
    "Counted by the date each report was passed to police, whenever it was received, so these are "
    "not the same reports as in the other tables. Each report counts once, under the latest outcome "
    "recorded for it so far (by the date of the outcome); earlier outcomes are not counted. Reports "
    "whose reporter later withdrew consent still count, as they were passed on; reports the reporter "
    "deleted do not."
)

# Figures of the issue that need tables other parts of the system have not built yet.
NOT_YET = (
    "alerts published and the time from report to alert (median and 90th percentile)",
    "repeat identifiers (reports linked to another)",
    "projects reached by alerts",
)


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
    return f"fewer than {threshold}*"


def footnote(threshold: int) -> str:
    return (
        f"* Fewer than {threshold}, or withheld so that a count of fewer than {threshold} cannot be worked out "
        "from the totals and other figures."
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
    reported_areas = {key[1] for key in counts.reports}
    areas = [a for a in counts.areas if a.active or a.id in reported_areas]
    dims = {
        "areas": [a.id for a in areas],
        "reporters": _ordered(REPORTER_LABELS, (k[2] for k in counts.reports)),
        "levels": _ordered(CONSENT_LABELS, (k[3] for k in counts.reports)),
        "statuses": _ordered(STATUS_LABELS, (k[4] for k in counts.reports)),
        "outcomes": _ordered(OUTCOME_LABELS, (c for c in counts.police if c != NO_OUTCOME)) + [NO_OUTCOME],
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
    )
