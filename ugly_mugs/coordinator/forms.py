"""Coordinator forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ugly_mugs.audit import READ_REASONS
from ugly_mugs.reporting.forms import CONSENT_CHOICES, options


class ReasonForm(FlaskForm):
    reason = SelectField(
        "Why are you opening this report?",
        choices=options([("", "Choose a reason")] + list(READ_REASONS.items())),
        validators=[DataRequired("Choose why you are opening this report.")],
    )


class PassOnForm(FlaskForm):
    note = TextAreaField(
        "Covering note for the police (optional)",
        description="Only the police unit and coordinators can read it.",
        validators=[Optional(), Length(max=4000)],
    )


class StaffConsentForm(FlaskForm):
    level = RadioField("What did the person agree to?", choices=options(CONSENT_CHOICES))
    given_by = RadioField(
        "How did they tell you?",
        choices=options([("phone", "By phone"), ("in_person", "In person")]),
        validators=[DataRequired("Say how the person gave their consent.")],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=options([("approve", "Approve"), ("reject", "Reject")]),
        validators=[DataRequired("Approve or reject.")],
    )
