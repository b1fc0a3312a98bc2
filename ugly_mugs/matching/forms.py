"""Forms of the matching pages: the check (staff and public) and the reason for revealing an identifier."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ugly_mugs.audit import READ_REASONS
from ugly_mugs.matching.check import MAX_INPUT
from ugly_mugs.web.forms import TranslatedForm, options

STAFF_KINDS = [
    ("", "Any (work it out)"),
    ("phone", "Phone number"),
    ("vehicle", "Number plate"),
    ("email", "Email address"),
    ("username", "Username or advert handle"),
]
PUBLIC_KINDS = [
    ("", _l("Not sure")),
    ("phone", _l("Phone number")),
    ("vehicle", _l("Number plate")),
    ("email", _l("Email address")),
    ("username", _l("Username or advert name")),
]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class StaffCheckForm(FlaskForm):
    identifier = StringField(
        "Phone number, plate, email or username",
        description="Exactly as you have it; spaces, dashes and capitals do not matter.",
        filters=[_strip],
        validators=[
            DataRequired("Type the phone number, plate, email or username to check."),
            Length(max=MAX_INPUT, message=f"That is too long to check: at most {MAX_INPUT} characters."),
        ],
    )
    kind = SelectField("What is it?", choices=options(STAFF_KINDS), default="")


class PublicCheckForm(TranslatedForm):
    identifier = StringField(
        _l("His phone number, number plate, email or username"),
        description=_l("Spaces, dashes and capital letters do not matter."),
        filters=[_strip],
        validators=[
            DataRequired(_l("Type the phone number, plate, email or username to check.")),
            Length(max=MAX_INPUT, message=_l("That is too long to check.")),
        ],
    )
    kind = SelectField(_l("What is it?"), choices=options(PUBLIC_KINDS), default="")


class RevealForm(FlaskForm):
    reason = SelectField(
        "Why do you need to see it?",
        choices=options([("", "Choose a reason")] + list(READ_REASONS.items())),
        validators=[DataRequired("Choose why you need to see it.")],
    )
