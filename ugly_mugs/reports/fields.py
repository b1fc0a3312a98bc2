"""The report's fields, declared once: what a reporter is asked, where each answer is kept, and
what the rest of the scheme may do with it.

No Flask imports. Every consumer reads this declaration instead of naming fields itself:

- the reporter's form and the outreach worker's form are built from it (``reporting.forms``),
  and ``reporting/_report_fields.html`` loops over its groups;
- the JSON API checks answers with ``reports.intake`` and documents them in its OpenAPI
  document (``api.openapi``), both from it; ``reports.intake.new_report`` turns answers into
  the sections filing encrypts;
- the alert composer prefills a draft only from fields with a ``Prefill`` (structured facts
  about him, never her own words) and shows the other text fields of the incident and
  perpetrator sections beside the draft for the coordinator to rewrite (``her_words``,
  ``alerts.authoring.compose``); the anonymity check treats ``free_text`` fields as the
  reporter's own words (``alerts.authoring.publish``);
- the matching normaliser indexes the fields with an ``identifier`` kind
  (``matching.normalise``);
- anything that shows opened sections can name a stored key with ``label_for``.

Adding a field to the report is one ``Field(...)`` below, then ``make translations`` and the
translations of its label and description in each language's catalog. Labels, descriptions,
headings and choice labels are reporter-facing English marked with ``N_`` and translated where
they are shown; ``Prefill.wording`` is staff-facing English (alert drafts are written in
English and edited by a coordinator).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ugly_mugs import consent
from ugly_mugs.catalog import N_
from ugly_mugs.reports.sections import IDENTITY, INCIDENT, PERPETRATOR

# Lengths in characters, counted after cleaning (``reports.text.clean``).
SHORT = 200
LONG = 10_000
LIST_ITEMS = 20  # items of a list field, each at most SHORT
ABOUT_HIM_LENGTH = 150  # the quick report's one line about him

# Kinds: how a field is asked, checked and kept.
DATE = "date"  # a day, typed; kept as YYYY-MM-DD
SELECT = "select"  # one of its choices, from a drop-down list
RADIO = "radio"  # one of its choices, as radio buttons
CHECKBOXES = "checkboxes"  # any number of its choices; kept as a list of codes
SHORT_TEXT = "short_text"  # one line, at most SHORT
LONG_TEXT = "long_text"  # several lines, at most LONG
LIST = "list"  # items one per line (the API also takes a JSON list); kept as a list of at most LIST_ITEMS
TEXT_KINDS = (SHORT_TEXT, LONG_TEXT, LIST)

# Choices that each installation configures (config ``AREAS`` and ``CATEGORIES``), not this file.
AREAS = "AREAS"
CATEGORIES = "CATEGORIES"

# Identifier kinds for matching (``ugly_mugs.matching.normalise``). The values are stored in the
# blind-index rows, so they never change.
PHONE = "phone"
VEHICLE = "vehicle"  # a number plate
EMAIL = "email"
USERNAME = "username"
IN_TEXT = "in_text"  # free text, searched for the phone numbers, emails and plates written in it

# Where an answer may appear in an alert's first draft (``Prefill.place``). Her own words (what
# happened, where she met him, what she added) have none: a draft never copies them.
TITLE = "title"  # the labels of its choices make the title and the "What he did:" line
DESCRIPTION = "description"  # one "Description: …" line of the parts, in declaration order
LINE = "line"  # a line of its own, in declaration order
VEHICLE_LINE = "vehicle_line"  # one "Vehicle: …" line of the parts, in ``rank`` order
PART_OF_DAY = "part_of_day"  # the draft's part of the day
WEEK = "week"  # only coarsened to its week (the caller passes the report's week)
AREA = "area"  # only as the report's area (the caller passes it)


@dataclass(frozen=True)
class Prefill:
    """How a field may appear in an alert's first draft; a field without one never does."""

    place: str
    wording: str = "{}"  # ``{}`` is the value; a list's items are joined with ", "
    rank: int = 0  # the order of the parts of the vehicle line


@dataclass(frozen=True)
class Group:
    """A fieldset of the report form: its heading, and a hint shown after its fields."""

    name: str
    heading: str
    outreach_heading: str = ""  # on the outreach worker's form, if it differs
    hint: str = ""
    outreach_hint: str = ""


@dataclass(frozen=True)
class Field:
    """One answer of a report.

    ``section`` is the encrypted section the answer is kept in, at ``key`` (``"vehicle.make"``
    is nested; the default is ``name``); None for an answer kept only on the report's row.
    ``column`` names the ``filing.NewReport`` attribute that (also) receives it. ``required``
    is the message shown when the field is left empty (and none of ``required_unless`` is
    answered). ``free_text`` marks the reporter's own words about what happened: the anonymity
    check looks in them for her phone numbers and emails. ``identifier`` is its matching kind.
    ``outreach_label`` is the question as the outreach worker reads it out, about the person;
    ``reporter_only`` fields are not asked on the outreach form.
    """

    name: str  # the form's and the API's name, and the HTML id
    kind: str
    label: str
    description: str = ""
    group: str = ""
    section: str | None = None
    key: str = ""
    column: str = ""
    max_length: int | None = None  # default: SHORT or LONG by kind; a list's whole text is at most LONG
    choices: tuple[tuple[str, str], ...] = ()
    choices_from: str = ""  # AREAS or CATEGORIES
    blank: str = ""  # the label of a first, empty choice ("Choose an area")
    default: str | None = None
    required: str = ""
    required_unless: tuple[str, ...] = ()
    prefill: Prefill | None = None
    identifier: str = ""
    free_text: bool = False
    outreach_label: str = ""
    reporter_only: bool = False
    one_line: bool = False  # a list field asked in one line (one item), as the quick report does

    def __post_init__(self) -> None:
        if self.section and not self.key:
            object.__setattr__(self, "key", self.name)
        if self.max_length is None and self.kind in TEXT_KINDS:
            object.__setattr__(self, "max_length", SHORT if self.kind == SHORT_TEXT else LONG)


# --- choices ------------------------------------------------------------------------------

PARTS_OF_DAY = (
    ("not_sure", N_("Not sure")),
    ("morning", N_("Morning (6am to 12 noon)")),
    ("afternoon", N_("Afternoon (12 noon to 6pm)")),
    ("evening", N_("Evening (6pm to midnight)")),
    ("night", N_("Night (midnight to 6am)")),
)
SEXES = (
    ("", N_("Not sure / not given")),
    ("man", N_("Man")),
    ("woman", N_("Woman")),
    ("other", N_("Other")),
)
# The ranges are shown as written (numbers read the same in every language here).
AGE_RANGES = (("", N_("Not sure")),) + tuple(
    (v, v) for v in ("under 20", "20 to 29", "30 to 39", "40 to 49", "50 to 59", "60 or older")
)
REPORTER_CHOICES = (
    ("self", N_("It happened to me")),
    ("third_party", N_("It happened to someone else")),
)
CONSENT_CHOICES = tuple((level, consent.REPORTER_WORDING[level]) for level in consent.LEVELS)

# --- the form's groups, in order ----------------------------------------------------------

WHEN_WHERE = "when_where"
WHAT = "what"
HIM = "him"
CAR = "car"
TOUCH = "touch"
YOU = "you"
WHO_SEES = "who_sees"

GROUPS: tuple[Group, ...] = (
    Group(WHEN_WHERE, N_("When and where")),
    Group(WHAT, N_("What happened")),
    Group(HIM, N_("About him")),
    Group(CAR, N_("His car")),
    Group(TOUCH, N_("How he got in touch")),
    Group(YOU, N_("About you"), outreach_heading=N_("About the person (ask them)")),
    Group(
        WHO_SEES,
        N_("Who can see this?"),
        hint=N_("You can change this later with the receipt code."),
        outreach_hint=N_("They can change this later with the receipt code."),
    ),
)


def _grouped(group: str, *fields: Field) -> tuple[Field, ...]:
    return tuple(replace(f, group=group) for f in fields)


# --- the declaration ----------------------------------------------------------------------

REPORT_FIELDS: tuple[Field, ...] = (
    *_grouped(
        WHEN_WHERE,
        Field(
            "incident_date",
            DATE,
            N_("Date it happened"),
            N_("Your best guess is fine."),
            section=IDENTITY,
            key="date",
            column="incident_date",
            required=N_("Tell us the date it happened, or your best guess."),
            prefill=Prefill(WEEK),
        ),
        Field(
            "part_of_day",
            SELECT,
            N_("Time of day"),
            section=INCIDENT,
            choices=PARTS_OF_DAY,
            default="not_sure",
            prefill=Prefill(PART_OF_DAY),
        ),
        Field(
            "incident_time",
            SHORT_TEXT,
            N_("Exact time, if you know it"),
            N_("For example 11.30pm."),
            section=IDENTITY,
            key="time",
        ),
        Field(
            "area",
            SELECT,
            N_("Area"),
            column="area_code",
            choices_from=AREAS,
            blank=N_("Choose an area"),
            required=N_("Choose the area where it happened."),
            prefill=Prefill(AREA),
        ),
        Field(
            "place",
            SHORT_TEXT,
            N_("Street or place"),
            N_("As exact as you can. This is kept private."),
            section=IDENTITY,
        ),
    ),
    *_grouped(
        WHAT,
        Field(
            "categories",
            CHECKBOXES,
            N_("What kind of incident? Tick all that fit."),
            section=INCIDENT,
            column="categories",
            choices_from=CATEGORIES,
            prefill=Prefill(TITLE),
        ),
        Field(
            "what_happened",
            LONG_TEXT,
            N_("What happened?"),
            N_("In your own words."),
            section=INCIDENT,
            required=N_("Tell us what happened, or tick at least one kind of incident."),
            required_unless=("categories",),
            free_text=True,
        ),
    ),
    *_grouped(
        HIM,
        # The one line about him the quick report asks (``QUICK_FIELDS``): her own words, so no
        # draft is prefilled from it (it is shown beside the draft); searched for numbers and plates.
        Field(
            "about_him",
            SHORT_TEXT,
            N_("One line about him"),
            N_("For example: tall, grey beard, Scottish accent."),
            section=PERPETRATOR,
            max_length=ABOUT_HIM_LENGTH,
            identifier=IN_TEXT,
        ),
        Field("sex", SELECT, N_("Sex"), section=PERPETRATOR, choices=SEXES, default="", prefill=Prefill(DESCRIPTION)),
        Field(
            "age_range",
            SELECT,
            N_("Age"),
            section=PERPETRATOR,
            choices=AGE_RANGES,
            default="",
            prefill=Prefill(DESCRIPTION, "age {}"),
        ),
        Field(
            "name_used", SHORT_TEXT, N_("Name he used"), section=PERPETRATOR, prefill=Prefill(LINE, "Name he used: {}")
        ),
        Field(
            "height",
            SHORT_TEXT,
            N_("Height"),
            N_("For example about 6 foot."),
            section=PERPETRATOR,
            prefill=Prefill(DESCRIPTION),
        ),
        Field(
            "build",
            SHORT_TEXT,
            N_("Build"),
            N_("For example slim, heavy."),
            section=PERPETRATOR,
            prefill=Prefill(DESCRIPTION, "{} build"),
        ),
        Field(
            "ethnicity",
            SHORT_TEXT,
            N_("Skin colour or ethnicity"),
            N_("As you would describe it."),
            section=PERPETRATOR,
            prefill=Prefill(DESCRIPTION),
        ),
        Field("hair", SHORT_TEXT, N_("Hair"), section=PERPETRATOR, prefill=Prefill(DESCRIPTION, "hair: {}")),
        Field(
            "marks",
            SHORT_TEXT,
            N_("Tattoos, scars or other marks"),
            section=PERPETRATOR,
            prefill=Prefill(DESCRIPTION, "marks: {}"),
        ),
        Field("clothing", SHORT_TEXT, N_("Clothing"), section=PERPETRATOR, prefill=Prefill(DESCRIPTION, "wearing {}")),
        Field(
            "accent",
            SHORT_TEXT,
            N_("Accent or language"),
            section=PERPETRATOR,
            prefill=Prefill(DESCRIPTION, "accent: {}"),
        ),
    ),
    *_grouped(
        CAR,
        Field(
            "vehicle_make",
            SHORT_TEXT,
            N_("Car make"),
            N_("For example Ford."),
            section=PERPETRATOR,
            key="vehicle.make",
            prefill=Prefill(VEHICLE_LINE, rank=1),
        ),
        Field(
            "vehicle_model",
            SHORT_TEXT,
            N_("Car model"),
            N_("For example Focus."),
            section=PERPETRATOR,
            key="vehicle.model",
            prefill=Prefill(VEHICLE_LINE, rank=2),
        ),
        Field(
            "vehicle_colour",
            SHORT_TEXT,
            N_("Car colour"),
            section=PERPETRATOR,
            key="vehicle.colour",
            prefill=Prefill(VEHICLE_LINE, rank=0),
        ),
        Field(
            "vehicle_registration",
            SHORT_TEXT,
            N_("Number plate"),
            N_("All of it or the part you remember."),
            section=PERPETRATOR,
            key="vehicle.registration",
            prefill=Prefill(VEHICLE_LINE, "registration {}", rank=3),
            identifier=VEHICLE,
        ),
    ),
    *_grouped(
        TOUCH,
        Field(
            "phone_numbers",
            LIST,
            N_("His phone numbers"),
            N_("One per line."),
            section=PERPETRATOR,
            prefill=Prefill(LINE, "Phone: {}"),
            identifier=PHONE,
        ),
        Field(
            "emails",
            LIST,
            N_("His email addresses"),
            N_("One per line."),
            section=PERPETRATOR,
            prefill=Prefill(LINE, "Email: {}"),
            identifier=EMAIL,
        ),
        Field(
            "usernames",
            LIST,
            N_("Usernames or advert sites he used"),
            N_("One per line."),
            section=PERPETRATOR,
            prefill=Prefill(LINE, "Usernames or sites: {}"),
            identifier=USERNAME,
        ),
        # No prefill: where she met him is her own words, often about her own place ("the bus
        # stop outside my flat"); it is shown beside the draft.
        Field("where_met", SHORT_TEXT, N_("Where you met him"), section=PERPETRATOR),
        # Asked about him, kept with who she is: where he took her is often her own home, and
        # what locates her is identity-level (P2), sealed to police only with "full report".
        Field("where_taken", SHORT_TEXT, N_("Where he took you"), section=IDENTITY),
    ),
    *_grouped(
        YOU,
        Field(
            "reporter_type",
            RADIO,
            N_("Who did it happen to?"),
            column="reporter_type",
            choices=REPORTER_CHOICES,
            default="self",
            reporter_only=True,
        ),
        Field(
            "reporter_name",
            SHORT_TEXT,
            N_("What should we call you?"),
            N_("Optional. A nickname is fine."),
            section=IDENTITY,
            key="name",
            outreach_label=N_("What should we call them?"),
        ),
        Field(
            "contact",
            LONG_TEXT,
            N_("How can we contact you safely?"),
            N_("Optional. For example: text only, after 2pm. Leave empty if you do not want contact."),
            section=IDENTITY,
            outreach_label=N_("How can we contact them safely?"),
        ),
    ),
    *_grouped(
        WHO_SEES,
        Field(
            "consent_level",
            RADIO,
            N_("What can we do with this report?"),
            column="consent_level",
            choices=CONSENT_CHOICES,
            default=consent.ALERT_ONLY,
        ),
    ),
)

# What a reporter adds later with her receipt code: each non-empty answer becomes the next
# version of its section. An addition kept where a report field is kept (what happened, her
# contact) is read as that field: see ``stored``.
ADDITION_FIELDS: tuple[Field, ...] = (
    Field(
        "more_incident",
        LONG_TEXT,
        N_("More about what happened"),
        section=INCIDENT,
        key="what_happened",
        required=N_("Write something to add."),
        required_unless=("more_perpetrator", "more_contact"),
    ),
    Field(
        "more_perpetrator",
        LONG_TEXT,
        N_("More about him"),
        N_("For example a new phone number, car or name he used."),
        section=PERPETRATOR,
        key="more",
        identifier=IN_TEXT,
    ),
    Field(
        "more_contact",
        LONG_TEXT,
        N_("New safe way to contact you"),
        N_("Only used as your consent allows."),
        section=IDENTITY,
        key="contact",
    ),
)

# The quick report (``/report/quick``): the fewest answers a warning can be made from, on three
# phone screens. The rest is offered afterwards, on the same receipt, as ``MORE_FIELDS``. Here a
# ticked kind of incident is required (there is no "what happened" to stand for it), and the
# consent choice is hers to make: none is ticked beforehand.
QUICK_NAMES = (
    "incident_date",
    "area",
    "categories",
    "about_him",
    "phone_numbers",
    "vehicle_registration",
    "consent_level",
)
QUICK_CATEGORIES_REQUIRED = N_("Tick at least one kind of incident.")


def _quick(field: Field) -> Field:
    if field.name == "categories":
        return replace(field, required=QUICK_CATEGORIES_REQUIRED)
    if field.name == "incident_date":
        # Its hint ("your best guess is fine") would push Send past the third screen in some languages.
        return replace(field, description="")
    if field.name == "consent_level":
        # Chosen, not assumed: nothing is ticked for her, and a post without it is refused.
        return replace(field, default=None, required=N_("Choose what may be passed to the police."))
    if field.name == "phone_numbers":
        # One number, in one line: more can be added afterwards.
        return replace(field, label=N_("His phone number"), description="", one_line=True)
    return field


QUICK_FIELDS: tuple[Field, ...] = tuple(_quick(f) for name in QUICK_NAMES for f in REPORT_FIELDS if f.name == name)


def _more(field: Field) -> Field:
    """A report field as asked again later: nothing required, and no answer chosen for her (a
    "not sure" left as it was adds nothing)."""
    more = replace(field, required="", required_unless=())
    if field.kind == SELECT and field.default:
        kept = tuple((v, lab) for v, lab in field.choices if v != field.default)
        more = replace(more, choices=(("", N_("Not sure")), *kept), default="")
    return more


# What she may add to a report afterwards, on the same receipt ("add more"): every answer the
# report form keeps in a section and not on the report's row, each at the same section and key as
# when filed, so every reader takes it as that answer, given later (``receipts.add_information``).
MORE_FIELDS: tuple[Field, ...] = tuple(_more(f) for f in REPORT_FIELDS if f.section and not f.column)

# Asked only on the outreach worker's form, in the language of the person it is filed for.
OUTREACH_FIELDS: tuple[Field, ...] = (
    Field(
        "contact_via_project",
        LONG_TEXT,
        N_("How they prefer to be contacted through the project"),
        N_("For example: ask for her at the drop-in on Tuesdays. Kept private."),
        section=IDENTITY,
    ),
)


# --- reading the declaration --------------------------------------------------------------
# Each reader takes the fields to read (``declared``); by default the declaration above, looked
# up when called, so that a test can declare one more field in one place and see every consumer
# pick it up (tests/integration/test_field_declaration.py).


def all_fields() -> tuple[Field, ...]:
    """The report's, the additions' and the outreach form's fields, in that order."""
    return REPORT_FIELDS + ADDITION_FIELDS + OUTREACH_FIELDS


def report_fields(declared: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """``declared``, or the report form's fields."""
    return REPORT_FIELDS if declared is None else tuple(declared)


def by_name(name: str, declared: Iterable[Field] | None = None) -> Field:
    """The field called ``name``; KeyError if none is."""
    for field in all_fields() if declared is None else declared:
        if field.name == name:
            return field
    raise KeyError(name)


def stored(declared: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """The fields kept in a section, each (section, key) once, as first declared.

    An addition kept at a report field's key (``more_incident`` at ``incident.what_happened``)
    is the same answer, later: what the report field declares (prefill, free text) holds for it.
    """
    seen: set[tuple[str, str]] = set()
    found = []
    for field in all_fields() if declared is None else declared:
        if field.section and (field.section, field.key) not in seen:
            seen.add((field.section, field.key))
            found.append(field)
    return tuple(found)


def grouped(declared: Iterable[Field] | None = None) -> list[tuple[Group, list[Field]]]:
    """The form's groups in order, each with its fields in declaration order; empty groups left out."""
    declared = report_fields(declared)
    return [(g, fs) for g in GROUPS if (fs := [f for f in declared if f.group == g.name])]


def text_fields(declared: Iterable[Field] | None = None) -> list[str]:
    """The names of the report fields a person types text into (short, long and list), in order."""
    return [f.name for f in report_fields(declared) if f.kind in TEXT_KINDS]


def free_text_keys(section: str, declared: Iterable[Field] | None = None) -> frozenset[str]:
    """The keys of ``section`` that hold the reporter's own words (``Field.free_text``)."""
    return frozenset(f.key for f in stored(declared) if f.section == section and f.free_text)


def her_words(declared: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """The incident and perpetrator fields she types into that no draft is prefilled from: her own
    words, shown beside an alert draft to be rewritten, and searched for other people's names."""
    return tuple(
        f
        for f in stored(declared)
        if f.section in (INCIDENT, PERPETRATOR) and f.kind in TEXT_KINDS and f.prefill is None
    )


def identifier_fields(declared: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """The perpetrator-section fields that hold identifiers to match on, each stored key once."""
    return tuple(f for f in stored(declared) if f.section == PERPETRATOR and f.identifier)


def prefilled(place: str, declared: Iterable[Field] | None = None) -> tuple[Field, ...]:
    """The stored fields whose answers go to ``place`` of an alert draft, in declaration order
    (the vehicle line's parts in ``rank`` order)."""
    found = [f for f in stored(declared) if f.prefill is not None and f.prefill.place == place]
    return tuple(sorted(found, key=lambda f: f.prefill.rank) if place == VEHICLE_LINE else found)


def label_for(section: str, path: str, declared: Iterable[Field] | None = None) -> str:
    """The label (English, untranslated) of the field kept at ``path`` of ``section``, e.g.
    ``label_for("perpetrator", "vehicle.make") == "Car make"``; ``path`` itself when no field
    declares it (keys set by code, such as ``consent_attested_by``)."""
    for field in stored(declared):
        if field.section == section and field.key == path:
            return field.label
    return path


def value_at(content: object, key: str) -> object:
    """The value at ``key`` (``"vehicle.make"``) of a section's content; None where there is
    none or the content is not an object (an old or damaged version)."""
    value = content
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def put(content: dict, key: str, value: object) -> None:
    """Set ``key`` (``"vehicle.make"``) of a section's content, making the nested objects."""
    *parents, last = key.split(".")
    for part in parents:
        content = content.setdefault(part, {})
    content[last] = value
