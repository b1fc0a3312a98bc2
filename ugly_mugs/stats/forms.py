"""The period picker: a GET form that changes nothing, so it carries no CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ugly_mugs.stats.periods import KINDS


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField(
        "Kind of period", choices=[SelectChoice(code, label) for code, label in KINDS.items()], default="four_weeks"
    )
    start = DateField("A day in the period", validators=[InputRequired("Enter a start date.")])
