"""The report form and the receipt forms of the reporter pages.

The report form and the "add something" form are built from the field declaration
(``ugly_mugs.reports.fields``) by ``declared_form``: a field is added there, not here. Their
checks are the declaration's (``reports.intake``), which the JSON API runs without a form.

These are plain WTForms forms, not Flask-WTF ones: the reporter pages set no cookie, so
their protection against cross-site posting is a signed form token and an Origin check
(see ``form_token``), not a session-bound CSRF token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ugly_mugs.reports import fields, intake, photos, text
from ugly_mugs.reports.filing import NewReport
from ugly_mugs.web import localtime
from ugly_mugs.web.forms import CheckboxesField, TranslatedForm, options, translated

CONSENT_CHOICES = [(value, _l(label)) for value, label in fields.CONSENT_CHOICES]

# The labels of the default areas and categories (config/__init__.py), so that they are translated;
# labels an installation configures itself are shown as written.
DEFAULT_LABELS = (
    _l("City Centre"),
    _l("Somewhere else"),
    _l("Physical assault"),
    _l("Rape or sexual assault"),
    _l("Robbery or theft"),
    _l("Refused to pay"),
    _l("Condom removed or refused"),
    _l("Threats or intimidation"),
    _l("Harassment or stalking"),
    _l("Held against will"),
)


def _cleaned(value):
    return text.clean(value) if isinstance(value, str) else value


def _translated(message: intake.Message):
    return _l(message.text, **message.params)


class LenientDateField(DateField):
    """A date field that accepts common UK spellings (``intake.parse_date``, the one bounded
    parser) and says how to write a date."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = intake.parse_date(" ".join(valuelist))
        if self.data is None:
            raise ValueError(_translated(intake.BAD_DATE))


class DeclaredCheck:
    """The declaration's checks of one field (``intake.check``), as a WTForms validator."""

    def __init__(self, declared: fields.Field):
        self.declared = declared
        # Rendered as the input's maxlength attribute, as WTForms' Length validator would.
        self.field_flags = {"maxlength": declared.max_length} if declared.max_length else {}

    def __call__(self, form, field) -> None:
        problems = intake.check(self.declared, field.data, localtime.today())
        field.errors.extend(_translated(problem) for problem in problems)


def _unbound(declared: fields.Field):
    """The WTForms field asking ``declared``."""
    label = _l(declared.label)
    description = _l(declared.description) if declared.description else ""
    check = DeclaredCheck(declared)
    if declared.kind == fields.DATE:
        required = [InputRequired(_l(declared.required))] if declared.required else []
        return LenientDateField(
            label, description=description, validators=[*required, check], format=list(intake.DATE_FORMATS)
        )
    if declared.kind in (fields.SELECT, fields.RADIO):
        kind = SelectField if declared.kind == fields.SELECT else RadioField
        return kind(
            label,
            description=description,
            choices=None if declared.choices_from else options((v, _l(lab)) for v, lab in declared.choices),
            default=declared.default,
            validators=[DataRequired(_l(declared.required))] if declared.required else [],
        )
    if declared.kind == fields.CHECKBOXES:
        return CheckboxesField(
            label, description=description, choices=options((v, _l(lab)) for v, lab in declared.choices)
        )
    kind = StringField if declared.kind == fields.SHORT_TEXT or declared.one_line else TextAreaField
    return kind(label, description=description, filters=[_cleaned], validators=[Optional(), check])


def _macro(declared: fields.Field) -> str:
    """Which macro of _fields.html shows the field."""
    if declared.kind in (fields.RADIO, fields.CHECKBOXES):
        return "choices"
    return "date" if declared.kind == fields.DATE else "input"


class Fieldset(NamedTuple):
    heading: str
    hint: str
    fields: list  # (bound field, macro name) pairs


class DeclaredForm(TranslatedForm):
    """A form whose fields come from a declaration; made by ``declared_form``."""

    declared: tuple[fields.Field, ...] = ()

    def __init__(self, *args, areas=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        configured = {fields.AREAS: areas, fields.CATEGORIES: categories}
        for f in self.declared:
            if f.choices_from:
                blank = [("", _l(f.blank))] if f.blank else []
                self[f.name].choices = blank + [(c.code, translated(c.label)) for c in configured[f.choices_from]]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here because Optional() stops a field's own validators when it is empty.
        for f in intake.unanswered(self.declared, self.data):
            self[f.name].errors = [*self[f.name].errors, _l(f.required)]
            valid = False
        return valid

    def declared_fields(self, outreach: bool = False) -> list[tuple]:
        """(bound field, macro name) of each declared field, in order, for a template loop."""
        return [(self[f.name], _macro(f)) for f in self.declared if not (outreach and f.reporter_only)]

    def fieldsets(self, outreach: bool = False) -> list[Fieldset]:
        """The declared fields in their groups, with each group's heading and hint translated;
        on the outreach worker's form (``outreach``) in its wording and without reporter-only fields."""
        sets = []
        for group, members in fields.grouped(self.declared):
            shown = [(self[f.name], _macro(f)) for f in members if not (outreach and f.reporter_only)]
            heading = (outreach and group.outreach_heading) or group.heading
            hint = (outreach and group.outreach_hint) or group.hint
            sets.append(Fieldset(translated(heading), translated(hint) if hint else "", shown))
        return sets


def declared_form(name: str, declared: Sequence[fields.Field], base: type = TranslatedForm) -> type:
    """A form class asking each of ``declared`` in order, after ``base``'s own fields (and
    after its declared ones, when ``base`` is itself a declared form)."""
    if base is TranslatedForm:
        bases: tuple[type, ...] = (DeclaredForm,)
    elif issubclass(base, DeclaredForm):
        bases = (base,)
    else:
        bases = (base, DeclaredForm)
    attributes = {"__module__": __name__, "declared": (*getattr(base, "declared", ()), *declared)}
    attributes.update((f.name, _unbound(f)) for f in declared)
    return type(name, bases, attributes)


ReportForm = declared_form("ReportForm", fields.REPORT_FIELDS)
# The quick report: its few fields, checked by the same declaration (``fields.QUICK_FIELDS``).
QuickReportForm = declared_form("QuickReportForm", fields.QUICK_FIELDS)


def to_new_report(form: DeclaredForm, language: str = "en") -> NewReport:
    return intake.new_report(form.data, language, form.declared)


class ReceiptForm(TranslatedForm):
    receipt_code = StringField(
        _l("Your receipt code"),
        description=_l("The code you were given when you made the report, for example 7K3P-9QXM-…"),
        filters=[_cleaned],
        validators=[
            DataRequired(_l("Type in your receipt code.")),
            Length(max=64, message=_l("That is too long for a code.")),
        ],
    )


class AddInformationForm(declared_form("AdditionFields", fields.ADDITION_FIELDS, base=ReceiptForm)):
    """The receipt code and what the reporter adds (``fields.ADDITION_FIELDS``)."""

    def additions(self) -> dict[str, dict]:
        return intake.additions(self.data, self.declared)


class AddMoreForm(declared_form("MoreFields", fields.MORE_FIELDS, base=ReceiptForm)):
    """The receipt code and the rest of the report, added later (``fields.MORE_FIELDS``); at
    least one answer is needed."""

    def additions(self) -> dict[str, dict]:
        return intake.additions(self.data, self.declared)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not any(self.additions().values()):
            self.what_happened.errors = [*self.what_happened.errors, _l("Write something to add.")]
            valid = False
        return valid


class ConsentForm(ReceiptForm):
    consent_level = RadioField(_l(fields.by_name("consent_level").label), choices=options(CONSENT_CHOICES))


class EraseForm(ReceiptForm):
    confirm = RadioField(
        _l("Delete this report?"),
        choices=options([("yes", _l("Yes, delete my report for good. This cannot be undone."))]),
        validators=[DataRequired(_l("Tick the box to confirm you want it deleted."))],
    )


# The photo slots of the report forms (templates/reporting/_photos.html): file inputs all named
# PHOTO_FIELD, in order, and a tick PHOTO_ABOUT_HIM_FIELD whose value is the slot's number (1…).
PHOTO_FIELD = "photo"
PHOTO_ABOUT_HIM_FIELD = "photo_about_him"


@dataclass
class PhotoSlots:
    """What the photo part of a report form shows: ``count`` slots, the size limit, the slots she
    ticked as showing only him, an error, and whether photos she chose were dropped (a file input
    cannot be filled in again, so the page asks her to choose them again)."""

    count: int
    megabytes: int
    about_him: set[int] = field(default_factory=set)
    error: str | None = None
    dropped: bool = False


@dataclass
class ReadPhotos:
    """The photos of a posted report form, cleaned (``photos``), or why not (``slots.error``)."""

    photos: list[photos.Photo]
    slots: PhotoSlots
    digests: list[str]


def photo_slots(limits: photos.Limits, formdata=None, files=None) -> PhotoSlots:
    """Empty slots, or those of a posted form shown back (its ticks kept, its files dropped)."""
    ticked = set()
    for value in formdata.getlist(PHOTO_ABOUT_HIM_FIELD) if formdata is not None else ():
        # A slot's number is short: a long run of digits is no slot (and int() refuses past 4,300 digits).
        if value.isascii() and value.isdigit() and len(value) <= 3 and 1 <= int(value) <= limits.max_count:
            ticked.add(int(value))
    dropped = any(f.filename for f in files.getlist(PHOTO_FIELD)) if files is not None else False
    return PhotoSlots(limits.max_count, max(1, limits.max_bytes // (1024 * 1024)), ticked, dropped=dropped)


def read_photos(limits: photos.Limits, formdata, files, over_limit: bool = False) -> ReadPhotos:
    """The photos chosen in a posted report form, cleaned (``photos.clean_all``); a refusal is in
    ``slots.error``, translated. Empty slots are skipped; the uploads were kept in memory
    (``web.boundary``), and their bytes go nowhere but the cleaning. ``over_limit``: the
    request's photos together passed its body limit and were emptied
    (``BoundaryRequest.photos_over_limit``): refused as too large together."""
    slots = photo_slots(limits, formdata, files)
    if over_limit:
        slots.error = str(_translated(photos.too_large_together(limits).message))
        return ReadPhotos([], slots, [])
    uploads = []
    for number, upload in enumerate(files.getlist(PHOTO_FIELD), start=1):
        data = upload.stream.read() if upload.filename or upload.content_length else b""
        if upload.filename or data:
            uploads.append((data, number not in slots.about_him))
    digests = [hashlib.sha256(data).hexdigest() for data, _ in uploads]
    try:
        cleaned = photos.clean_all(uploads, limits)
    except photos.PhotoRefused as refused:
        slots.error = str(_translated(refused.message))
        return ReadPhotos([], slots, digests)
    return ReadPhotos(cleaned, slots, digests)


class ReplyForm(ReceiptForm):
    """Her answer to the scheme's messages (``reports.messages``)."""

    answer = TextAreaField(
        _l("Your answer"),
        description=_l("Only the scheme's caseworkers can read it, and anyone who has your code."),
        filters=[_cleaned],
        validators=[
            DataRequired(_l("Write your answer first.")),
            Length(max=2000, message=_l("An answer can be at most %(max)d characters.")),
        ],
    )
