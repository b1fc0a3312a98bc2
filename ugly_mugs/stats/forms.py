"""The period picker: a GET form that changes nothing, so it carries no CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ugly_mugs.stats.periods import KINDS
from ugly_mugs.web.forms import DayField


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField(
        "Kind of period", choices=[SelectChoice(code, label) for code, label in KINDS.items()], default="four_weeks"
    )
    # Read by the one bounded parser: a start outside 1900..2100 is refused with its message.
    start = DayField("A day in the period", validators=[InputRequired("Enter a start date.")])
