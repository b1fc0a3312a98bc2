"""The report form and the receipt forms, shared by the HTML pages and the JSON API.

These are plain WTForms forms, not Flask-WTF ones: the reporter pages set no cookie, so
their protection against cross-site posting is a signed form token and an Origin check
(see ``form_token``), not a session-bound CSRF token.
"""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import (
    Form,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ugly_mugs import consent
from ugly_mugs.reporting import text
from ugly_mugs.reporting.service import NewReport

SHORT = 200
LONG = 10_000
LIST_ITEMS = 20

PARTS_OF_DAY = [
    ("not_sure", "Not sure"),
    ("morning", "Morning (6am to 12 noon)"),
    ("afternoon", "Afternoon (12 noon to 6pm)"),
    ("evening", "Evening (6pm to midnight)"),
    ("night", "Night (midnight to 6am)"),
]

SEXES = [
    ("", "Not sure / not given"),
    ("man", "Man"),
    ("woman", "Woman"),
    ("other", "Other"),
]
AGE_RANGES = [("", "Not sure")] + [
    (v, v) for v in ("under 20", "20 to 29", "30 to 39", "40 to 49", "50 to 59", "60 or older")
]

CONSENT_CHOICES = [
    (
        consent.ALERT_ONLY,
        "Warn others only. We share a warning about him with other workers and projects. Nothing goes to the police.",
    ),
    (
        consent.ANONYMOUS_INTELLIGENCE,
        "Warn others and tell the police about him, but not about me. The police get what "
        "happened and what he is like. They do not get your name or how to reach you.",
    ),
    (
        consent.FULL_REPORT,
        "Warn others and give the police everything, including how to contact me. "
        "The police may contact you to investigate and maybe take him to court.",
    ),
]

REPORTER_CHOICES = [
    ("self", "It happened to me"),
    ("third_party", "It happened to someone else"),
]

_MESSAGES = {
    "required_when": "Tell us the date it happened, or your best guess.",
    "future": "The date cannot be in the future.",
    "too_old": "The date is more than 10 years ago. Check the year.",
    "bad_date": "Write the date as day/month/year, for example 21/11/2026.",
    "area": "Choose the area where it happened.",
    "what": "Tell us what happened, or tick at least one kind of incident.",
}


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _cleaned(value):
    return text.clean(value) if isinstance(value, str) else value


class LenientDateField(DateField):
    """A date field that accepts common UK spellings and says how to write a date."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_MESSAGES["bad_date"]) from None


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def short(label: str, description: str = "") -> StringField:
    return StringField(
        label,
        description=description,
        filters=[_cleaned],
        validators=[Optional(), Length(max=SHORT)],
    )


def long(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(
        label,
        description=description,
        filters=[_cleaned],
        validators=[Optional(), Length(max=LONG)],
    )


class ReportForm(Form):
    # When
    incident_date = LenientDateField(
        "Date it happened",
        description="Your best guess is fine.",
        validators=[InputRequired(_MESSAGES["required_when"])],
        format=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"],
    )
    part_of_day = SelectField("Time of day", choices=options(PARTS_OF_DAY), default="not_sure")
    incident_time = short("Exact time, if you know it", "For example 11.30pm.")
    # Where
    area = SelectField("Area", validators=[DataRequired(_MESSAGES["area"])])
    place = short("Street or place", "As exact as you can. This is kept private.")
    # What
    categories = CheckboxesField("What kind of incident? Tick all that fit.", choices=[])
    what_happened = long("What happened?", "In your own words.")
    # Him
    sex = SelectField("Sex", choices=options(SEXES), default="")
    age_range = SelectField("Age", choices=options(AGE_RANGES), default="")
    name_used = short("Name he used")
    height = short("Height", "For example about 6 foot.")
    build = short("Build", "For example slim, heavy.")
    ethnicity = short("Skin colour or ethnicity", "As you would describe it.")
    hair = short("Hair")
    marks = short("Tattoos, scars or other marks")
    clothing = short("Clothing")
    accent = short("Accent or language")
    # Vehicle
    vehicle_make = short("Car make", "For example Ford.")
    vehicle_model = short("Car model", "For example Focus.")
    vehicle_colour = short("Car colour")
    vehicle_registration = short("Number plate", "All of it or the part you remember.")
    # Contact details he used
    phone_numbers = long("His phone numbers", "One per line.")
    emails = long("His email addresses", "One per line.")
    usernames = long("Usernames or advert sites he used", "One per line.")
    where_met = short("Where you met him")
    where_taken = short("Where he took you")
    # You
    reporter_type = RadioField("Who did it happen to?", choices=options(REPORTER_CHOICES), default="self")
    reporter_name = short("What should we call you?", "Optional. A nickname is fine.")
    contact = long(
        "How can we contact you safely?",
        "Optional. For example: text only, after 2pm. Leave empty if you do not want contact.",
    )
    consent_level = RadioField(
        "What can we do with this report?",
        choices=options(CONSENT_CHOICES),
        default=consent.ALERT_ONLY,
    )

    def __init__(self, *args, areas=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [("", "Choose an area")] + [(a.code, a.label) for a in areas]
        self.categories.choices = [(c.code, c.label) for c in categories]

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
        raise ValidationError(f"At most {LIST_ITEMS}, one per line.")
    if any(len(item) > SHORT for item in text.lines(field.data, LIST_ITEMS)):
        raise ValidationError(f"Each line can be at most {SHORT} characters.")


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


class ReceiptForm(Form):
    receipt_code = StringField(
        "Your receipt code",
        description="The code you were given when you made the report, for example 7K3P-9QXM-…",
        filters=[_cleaned],
        validators=[
            DataRequired("Type in your receipt code."),
            Length(max=64, message="That is too long for a code."),
        ],
    )


class AddInformationForm(ReceiptForm):
    more_incident = long("More about what happened")
    more_perpetrator = long("More about him", "For example a new phone number, car or name he used.")
    more_contact = long("New safe way to contact you", "Only used as your consent allows.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.more_incident.data or self.more_perpetrator.data or self.more_contact.data):
            self.more_incident.errors = [*self.more_incident.errors, "Write something to add."]
            valid = False
        return valid

    def additions(self) -> dict[str, dict]:
        return {
            "incident": {"what_happened": self.more_incident.data} if self.more_incident.data else {},
            "perpetrator": {"more": self.more_perpetrator.data} if self.more_perpetrator.data else {},
            "identity": {"contact": self.more_contact.data} if self.more_contact.data else {},
        }


class ConsentForm(ReceiptForm):
    consent_level = RadioField("What can we do with this report?", choices=options(CONSENT_CHOICES))


class EraseForm(ReceiptForm):
    confirm = RadioField(
        "Delete this report?",
        choices=options([("yes", "Yes, delete my report for good. This cannot be undone.")]),
        validators=[DataRequired("Tick the box to confirm you want it deleted.")],
    )
