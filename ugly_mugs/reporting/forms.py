"""The report form and the receipt forms, shared by the HTML pages and the JSON API.

These are plain WTForms forms, not Flask-WTF ones: the reporter pages set no cookie, so
their protection against cross-site posting is a signed form token and an Origin check
(see ``form_token``), not a session-bound CSRF token.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ugly_mugs import consent
from ugly_mugs.reporting import text
from ugly_mugs.reports.filing import NewReport
from ugly_mugs.web.forms import CheckboxesField, TranslatedForm, options, translated

SHORT = 200
LONG = 10_000
LIST_ITEMS = 20

PARTS_OF_DAY = [
    ("not_sure", _l("Not sure")),
    ("morning", _l("Morning (6am to 12 noon)")),
    ("afternoon", _l("Afternoon (12 noon to 6pm)")),
    ("evening", _l("Evening (6pm to midnight)")),
    ("night", _l("Night (midnight to 6am)")),
]

SEXES = [
    ("", _l("Not sure / not given")),
    ("man", _l("Man")),
    ("woman", _l("Woman")),
    ("other", _l("Other")),
]
AGE_RANGES = [("", _l("Not sure"))] + [
    (v, v) for v in ("under 20", "20 to 29", "30 to 39", "40 to 49", "50 to 59", "60 or older")
]

CONSENT_CHOICES = [
    (
        consent.ALERT_ONLY,
        _l(
            "Warn others only. We send a warning about him to other workers and projects. "
            "It does not say who you are. Nothing goes to the police."
        ),
    ),
    (
        consent.ANONYMOUS_INTELLIGENCE,
        _l(
            "Warn others and tell the police about him, but not about me. The police learn what he did "
            "and what he is like, to help them watch out for him. They do not get your name or how to reach you."
        ),
    ),
    (
        consent.FULL_REPORT,
        _l(
            "Warn others and give the police everything, including how to contact me. "
            "The police can then look into it as a crime. They may contact you, and he may be taken to court."
        ),
    ),
]

REPORTER_CHOICES = [
    ("self", _l("It happened to me")),
    ("third_party", _l("It happened to someone else")),
]

_TOO_LONG = _l("This can be at most %(max)d characters. Please make it shorter.")

_MESSAGES = {
    "required_when": _l("Tell us the date it happened, or your best guess."),
    "future": _l("The date cannot be in the future."),
    "too_old": _l("The date is more than 10 years ago. Check the year."),
    "bad_date": _l("Write the date as day/month/year, for example 21/11/2026."),
    "area": _l("Choose the area where it happened."),
    "what": _l("Tell us what happened, or tick at least one kind of incident."),
}


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


class LenientDateField(DateField):
    """A date field that accepts common UK spellings and says how to write a date."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_MESSAGES["bad_date"]) from None


def short(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        filters=[_cleaned],
        validators=[Optional(), Length(max=SHORT, message=_TOO_LONG)],
    )


def long(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        filters=[_cleaned],
        validators=[Optional(), Length(max=LONG, message=_TOO_LONG)],
    )


class ReportForm(TranslatedForm):
    # When
    incident_date = LenientDateField(
        _l("Date it happened"),
        description=_l("Your best guess is fine."),
        validators=[InputRequired(_MESSAGES["required_when"])],
        format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"],
    )
    part_of_day = SelectField(_l("Time of day"), choices=options(PARTS_OF_DAY), default="not_sure")
    incident_time = short(_l("Exact time, if you know it"), _l("For example 11.30pm."))
    # Where
    area = SelectField(_l("Area"), validators=[DataRequired(_MESSAGES["area"])])
    place = short(_l("Street or place"), _l("As exact as you can. This is kept private."))
    # What
    categories = CheckboxesField(_l("What kind of incident? Tick all that fit."), choices=[])
    what_happened = long(_l("What happened?"), _l("In your own words."))
    # Him
    sex = SelectField(_l("Sex"), choices=options(SEXES), default="")
    age_range = SelectField(_l("Age"), choices=options(AGE_RANGES), default="")
    name_used = short(_l("Name he used"))
    height = short(_l("Height"), _l("For example about 6 foot."))
    build = short(_l("Build"), _l("For example slim, heavy."))
    ethnicity = short(_l("Skin colour or ethnicity"), _l("As you would describe it."))
    hair = short(_l("Hair"))
    marks = short(_l("Tattoos, scars or other marks"))
    clothing = short(_l("Clothing"))
    accent = short(_l("Accent or language"))
    # Vehicle
    vehicle_make = short(_l("Car make"), _l("For example Ford."))
    vehicle_model = short(_l("Car model"), _l("For example Focus."))
    vehicle_colour = short(_l("Car colour"))
    vehicle_registration = short(_l("Number plate"), _l("All of it or the part you remember."))
    # Contact details he used
    phone_numbers = long(_l("His phone numbers"), _l("One per line."))
    emails = long(_l("His email addresses"), _l("One per line."))
    usernames = long(_l("Usernames or advert sites he used"), _l("One per line."))
    where_met = short(_l("Where you met him"))
    where_taken = short(_l("Where he took you"))
    # You
    reporter_type = RadioField(_l("Who did it happen to?"), choices=options(REPORTER_CHOICES), default="self")
    reporter_name = short(_l("What should we call you?"), _l("Optional. A nickname is fine."))
    contact = long(
        _l("How can we contact you safely?"),
        _l("Optional. For example: text only, after 2pm. Leave empty if you do not want contact."),
    )
    consent_level = RadioField(
        _l("What can we do with this report?"),
        choices=options(CONSENT_CHOICES),
        default=consent.ALERT_ONLY,
    )

    def __init__(self, *args, areas=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _l("Choose an area"))] + [(a.code, translated(a.label)) for a in areas]
        self.categories.choices = [(c.code, translated(c.label)) for c in categories]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here because Optional() stops a field's own validators when it is empty.
        if not self.what_happened.data and not self.categories.data:
            self.what_happened.errors = [*self.what_happened.errors, _MESSAGES["what"]]
            valid = False
        return valid

    def validate_incident_date(self, field):
        if field.data and field.data > date.today() + timedelta(days=1):
            raise ValidationError(_MESSAGES["future"])
        if field.data and field.data < date.today() - timedelta(days=3660):
            raise ValidationError(_MESSAGES["too_old"])

    def validate_phone_numbers(self, field):
        _check_list(field)

    def validate_emails(self, field):
        _check_list(field)

    def validate_usernames(self, field):
        _check_list(field)


def _check_list(field) -> None:
    if len(text.lines(field.data, LIST_ITEMS + 1)) > LIST_ITEMS:
        raise ValidationError(_l("At most %(count)d, one per line.", count=LIST_ITEMS))
    if any(len(item) > SHORT for item in text.lines(field.data, LIST_ITEMS)):
        raise ValidationError(_l("Each line can be at most %(count)d characters.", count=SHORT))


def to_new_report(form: ReportForm, language: str = "en") -> NewReport:
    d = form.data
    return NewReport(
        incident_date=d["incident_date"],
        area_code=d["area"],
        categories=list(d["categories"] or []),
        consent_level=d["consent_level"],
        reporter_type=d["reporter_type"],
        language=language,
        identity={
            "date": d["incident_date"].isoformat(),
            "time": d["incident_time"] or "",
            "place": d["place"] or "",
            "name": d["reporter_name"] or "",
            "contact": d["contact"] or "",
        },
        incident={
            "part_of_day": d["part_of_day"],
            "categories": list(d["categories"] or []),
            "what_happened": d["what_happened"] or "",
        },
        perpetrator={
            **{
                k: d[k] or ""
                for k in (
                    "sex",
                    "age_range",
                    "name_used",
                    "height",
                    "build",
                    "ethnicity",
                    "hair",
                )
            },
            **{k: d[k] or "" for k in ("marks", "clothing", "accent", "where_met", "where_taken")},
            "vehicle": {
                "make": d["vehicle_make"] or "",
                "model": d["vehicle_model"] or "",
                "colour": d["vehicle_colour"] or "",
                "registration": d["vehicle_registration"] or "",
            },
            "phone_numbers": text.lines(d["phone_numbers"], LIST_ITEMS),
            "emails": text.lines(d["emails"], LIST_ITEMS),
            "usernames": text.lines(d["usernames"], LIST_ITEMS),
        },
    )


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


class AddInformationForm(ReceiptForm):
    more_incident = long(_l("More about what happened"))
    more_perpetrator = long(_l("More about him"), _l("For example a new phone number, car or name he used."))
    more_contact = long(_l("New safe way to contact you"), _l("Only used as your consent allows."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.more_incident.data or self.more_perpetrator.data or self.more_contact.data):
            self.more_incident.errors = [*self.more_incident.errors, _l("Write something to add.")]
            valid = False
        return valid

    def additions(self) -> dict[str, dict]:
        return {
            "incident": {"what_happened": self.more_incident.data} if self.more_incident.data else {},
            "perpetrator": {"more": self.more_perpetrator.data} if self.more_perpetrator.data else {},
            "identity": {"contact": self.more_contact.data} if self.more_contact.data else {},
        }


class ConsentForm(ReceiptForm):
    consent_level = RadioField(_l("What can we do with this report?"), choices=options(CONSENT_CHOICES))


class EraseForm(ReceiptForm):
    confirm = RadioField(
        _l("Delete this report?"),
        choices=options([("yes", _l("Yes, delete my report for good. This cannot be undone."))]),
        validators=[DataRequired(_l("Tick the box to confirm you want it deleted."))],
    )


def free_text_fields(form_class=ReportForm) -> tuple[list[str], list[str]]:
    """The names of the form's one-line and multi-line free-text fields, in form order."""
    fields = form_class(areas=(), categories=())._fields
    one_line = [name for name, field in fields.items() if type(field) is StringField]
    multi_line = [name for name, field in fields.items() if type(field) is TextAreaField]
    return one_line, multi_line
