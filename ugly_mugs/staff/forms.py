"""Staff forms: the outreach worker's report form and the key-group forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from ugly_mugs.reporting.forms import ReportForm, long


class OutreachReportForm(FlaskForm, ReportForm):
    """The reporter's form, plus the consent attestation and contact through the project."""

    contact_via_project = long(
        "How they prefer to be contacted through the project",
        "For example: ask for her at the drop-in on Tuesdays. Kept private.",
    )
    attested = BooleanField(
        "I read the consent choices above to the person, and they chose the one marked.",
        validators=[DataRequired("Confirm that the person chose what may be done with the report.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The worker asks the person; the questions speak about them, not to the worker.
        self.reporter_name.label.text = "What should we call them?"
        self.contact.label.text = "How can we contact them safely?"


class RecoveryForm(FlaskForm):
    passphrase = PasswordField(
        "Recovery passphrase",
        description="The passphrase printed when the installation was set up.",
        validators=[DataRequired("Enter the recovery passphrase."), Length(max=200)],
    )
