"""Reading a report's answers: the checks of the field declaration (``reports.fields``), the
JSON API's validator, and the ``NewReport`` (or additions) filing stores.

No Flask imports. Two readers share these checks:

- the reporter's and the outreach worker's web forms (WTForms, ``reporting.forms``): WTForms
  parses each field, then runs ``check`` on it and ``unanswered`` on the whole form, and shows
  the messages translated;
- the JSON API, without a form: ``json_values`` takes the body apart, ``validate`` reads and
  checks it field by field exactly as the form would, and answers in English.

``tests/integration/test_report_validation.py`` proves on generated input that both readers
give the same answers and the same messages, in the same order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from ugly_mugs import dates
from ugly_mugs.catalog import N_
from ugly_mugs.reports import fields, text
from ugly_mugs.reports.fields import Field
from ugly_mugs.reports.filing import NewReport
from ugly_mugs.reports.sections import IDENTITY, INCIDENT, PERPETRATOR

# The spellings of a date accepted, ISO first (what a date input sends), then the UK ones.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
# A day after the server's today is still accepted: the reporter's today may be ahead of it.
FUTURE_ALLOWED = timedelta(days=1)
OLDEST = timedelta(days=3660)


@dataclass(frozen=True)
class Message:
    """A message about an answer: English text marked for the catalogs, and its placeholders."""

    text: str
    params: Mapping[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


BAD_DATE = Message(N_("Write the date as day/month/year, for example 21/11/2026."))
FUTURE = Message(N_("The date cannot be in the future."))
TOO_OLD = Message(N_("The date is more than 10 years ago. Check the year."))
TOO_LONG = N_("This can be at most %(max)d characters. Please make it shorter.")
TOO_MANY_ITEMS = N_("At most %(count)d, one per line.")
ITEM_TOO_LONG = N_("Each line can be at most %(count)d characters.")

# WTForms' own messages for an answer that is not one of the choices: the web form shows them
# from WTForms (translated by its catalogs); the API, always English, writes them here.
NOT_A_CHOICE = "Not a valid choice."
NOT_CHOICES = ("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.")

# The API's messages for a body it cannot read as form answers.
NOT_KNOWN = "This field is not known."
NOT_TEXT = "This must be text."
NOT_CODES = "This must be a list of codes."
NOT_ALL_TEXT = "Every item must be text."


def parse_date(raw: str) -> date | None:
    """The day ``raw`` names in one of ``DATE_FORMATS``, or None (read by ``dates.parse_day``).

    A day outside the parser's sane range is still returned: ``check`` then says that it is in
    the future or too long ago, in the reporter's words."""
    try:
        return dates.parse_day(raw, DATE_FORMATS)
    except dates.DateProblem as exc:
        return exc.day


def check(declared: Field, value: object, today: date | None = None) -> list[Message]:
    """What is wrong with ``value``, the given, cleaned answer to ``declared``: a date in the
    future or more than ten years ago, a text longer than its ``max_length``, a list with more
    than ``LIST_ITEMS`` items or an item longer than ``SHORT``. Empty answers and answers that
    are not one of the choices are the reader's to check (``validate``, or the web form)."""
    if declared.kind == fields.DATE:
        today = today or date.today()
        if isinstance(value, date) and value > today + FUTURE_ALLOWED:
            return [FUTURE]
        if isinstance(value, date) and value < today - OLDEST:
            return [TOO_OLD]
        return []
    problems: list[Message] = []
    if declared.max_length is not None and isinstance(value, str) and len(value) > declared.max_length:
        problems.append(Message(TOO_LONG, {"max": declared.max_length}))
    if declared.kind == fields.LIST and isinstance(value, str):
        if len(text.lines(value, fields.LIST_ITEMS + 1)) > fields.LIST_ITEMS:
            problems.append(Message(TOO_MANY_ITEMS, {"count": fields.LIST_ITEMS}))
        elif any(len(item) > fields.SHORT for item in text.lines(value, fields.LIST_ITEMS)):
            problems.append(Message(ITEM_TOO_LONG, {"count": fields.SHORT}))
    return problems


# Kinds whose ``required`` is checked on the field itself; the others' on the whole form, where
# ``required_unless`` can look at the other answers.
_REQUIRED_ON_FIELD = (fields.DATE, fields.SELECT, fields.RADIO)


def unanswered(declared: Iterable[Field], answers: Mapping[str, object]) -> list[Field]:
    """The fields whose ``required`` message applies to ``answers`` as a whole: text or choice
    lists left empty while none of their ``required_unless`` fields is answered either."""
    return [
        f
        for f in declared
        if f.required
        and f.kind not in _REQUIRED_ON_FIELD
        and not answers.get(f.name)
        and not any(answers.get(other) for other in f.required_unless)
    ]


def json_values(
    body: Mapping[str, object], declared: Iterable[Field] | None = None
) -> tuple[dict[str, str | list[str]], dict[str, list[str]]]:
    """A JSON object as the values a form post would carry: one string per field (a list
    field's items joined one per line), a list of strings for a checkbox field, nulls left out.
    Returns the values and, by key, a message for each unknown key or value of the wrong type."""
    kinds = {f.name: f.kind for f in fields.report_fields(declared)}
    values: dict[str, str | list[str]] = {}
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        kind = kinds.get(key)
        if kind is None:
            errors[str(key)] = [NOT_KNOWN]
        elif value is None:
            continue
        elif isinstance(value, str) and kind != fields.CHECKBOXES:
            values[key] = value
        elif isinstance(value, list) and kind in (fields.CHECKBOXES, fields.LIST):
            if not all(isinstance(item, str) for item in value):
                errors[key] = [NOT_ALL_TEXT]
            else:
                values[key] = "\n".join(value) if kind == fields.LIST else list(value)
        else:
            errors[key] = [NOT_CODES if kind == fields.CHECKBOXES else NOT_TEXT]
    return values, errors


def _choice_values(declared: Field, configured: Mapping[str, Collection[str]]) -> list[str]:
    if declared.choices_from:
        return ([""] if declared.blank else []) + list(configured.get(declared.choices_from, ()))
    return [value for value, _label in declared.choices]


def _read(
    declared: Field, raw: str | list[str] | None, configured: Mapping[str, Collection[str]], today: date | None
) -> tuple[object, list[Message | str]]:
    """One field's answer and messages, read as WTForms reads the web form (``raw`` None: not sent)."""
    kind = declared.kind
    if kind == fields.DATE:
        if raw is None or raw == "":
            return None, [Message(declared.required)] if declared.required else ([] if raw is None else [BAD_DATE])
        day = parse_date(raw)
        return day, [BAD_DATE] if day is None else list(check(declared, day, today))
    if kind in (fields.SELECT, fields.RADIO):
        value = raw if raw is not None else declared.default
        problems: list[Message | str] = [] if value in _choice_values(declared, configured) else [NOT_A_CHOICE]
        if declared.required and not (value and value.strip()):
            problems = [Message(declared.required)]
        return value, problems
    if kind == fields.CHECKBOXES:
        codes = list(raw) if raw is not None else []
        acceptable = set(_choice_values(declared, configured))
        # As WTForms words it, from a set: one message naming every code not offered.
        unacceptable = [code for code in set(codes) if code not in acceptable]
        if not unacceptable:
            return codes, []
        wording = NOT_CHOICES[0] if len(unacceptable) == 1 else NOT_CHOICES[1]
        return codes, [wording % {"value": "', '".join(unacceptable)}]
    if raw is None:
        return None, []
    value = text.clean(raw)
    # An answer of white space only is no answer: nothing more is checked (WTForms' Optional).
    return value, list(check(declared, value, today)) if raw.strip() else []


def validate(
    values: Mapping[str, str | list[str]],
    configured: Mapping[str, Collection[str]],
    declared: Iterable[Field] | None = None,
    today: date | None = None,
) -> tuple[dict[str, object], dict[str, list[str]]]:
    """Read and check form values (as from ``json_values``) as the web form does.

    ``configured`` gives the codes of each installation-configured choice list
    (``{fields.AREAS: [...], fields.CATEGORIES: [...]}``). Returns the answers by field name,
    shaped like the web form's ``data`` (a ``date`` or None, cleaned text or None, a list of
    codes), and the English messages by field name, in declaration order; no messages means
    the answers may be filed (``new_report``).
    """
    declared = fields.report_fields(declared)
    answers: dict[str, object] = {}
    problems: dict[str, list[Message | str]] = {}
    for f in declared:
        answers[f.name], problems[f.name] = _read(f, values.get(f.name), configured, today)
    for f in unanswered(declared, answers):
        problems[f.name].append(Message(f.required))
    return answers, {name: [str(p) for p in found] for name, found in problems.items() if found}


def _kept(declared: Field, value: object) -> object:
    """An answer as a section keeps it."""
    if declared.kind == fields.DATE:
        return value.isoformat() if isinstance(value, date) else ""
    if declared.kind == fields.LIST:
        return text.lines(value if isinstance(value, str) else "", fields.LIST_ITEMS)
    if declared.kind == fields.CHECKBOXES:
        return list(value or [])
    return value or ""


def new_report(
    answers: Mapping[str, object], language: str = "en", declared: Iterable[Field] | None = None
) -> NewReport:
    """The report to file from checked answers (a form's ``data`` or ``validate``'s answers):
    each field's answer in its section at its key, and in its ``NewReport`` column."""
    content: dict[str, dict] = {IDENTITY: {}, INCIDENT: {}, PERPETRATOR: {}}
    columns: dict[str, object] = {}
    for f in fields.report_fields(declared):
        value = answers.get(f.name)
        if f.column:
            columns[f.column] = list(value or []) if f.kind == fields.CHECKBOXES else value
        if f.section:
            fields.put(content[f.section], f.key, _kept(f, value))
    # A shorter form (the quick report) does not ask every column: the full form's default stands.
    for f in fields.REPORT_FIELDS:
        if f.column and f.column not in columns:
            columns[f.column] = [] if f.kind == fields.CHECKBOXES else f.default
    return NewReport(
        **columns,
        language=language,
        identity=content[IDENTITY],
        incident=content[INCIDENT],
        perpetrator=content[PERPETRATOR],
    )


def additions(answers: Mapping[str, object], declared: Iterable[Field] = fields.ADDITION_FIELDS) -> dict[str, dict]:
    """What a reporter adds with her receipt code, by section (every section of an addition
    field, empty when nothing was added to it): for ``receipts.add_information``."""
    found: dict[str, dict] = {}
    for f in declared:
        found.setdefault(f.section, {})
        kept = _kept(f, answers.get(f.name)) if answers.get(f.name) else None
        if kept:
            fields.put(found[f.section], f.key, kept)
    return found
