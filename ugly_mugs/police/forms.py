"""Police portal forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ugly_mugs.models.police import OUTCOME_LABELS
from ugly_mugs.web import localtime
from ugly_mugs.web.forms import DayField, options

OPEN_REASONS = {
    "investigation": "Investigating this report",
    "intelligence": "Adding to intelligence",
    "follow_up": "Following up with the reporter",
}


class OpenForm(FlaskForm):
    reason = SelectField(
        "Why are you opening this report?",
        choices=options([("", "Choose a reason")] + list(OPEN_REASONS.items())),
        validators=[DataRequired("Choose why you are opening this report.")],
    )


class OutcomeForm(FlaskForm):
    outcome = SelectField(
        "Outcome",
        choices=options([("", "Choose an outcome")] + list(OUTCOME_LABELS.items())),
        validators=[DataRequired("Choose an outcome.")],
    )
    # InputRequired, not DataRequired: a day typed but refused keeps the parser's message.
    outcome_date = DayField("Date", validators=[InputRequired("Give the date of the outcome.")])
    crime_reference = StringField("Crime reference number (optional)", validators=[Optional(), Length(max=64)])

    def validate_outcome_date(self, field):
        if field.data and field.data > localtime.today():
            raise ValidationError("The date cannot be in the future.")
