"""Staff forms: the outreach worker's report form and the key-group forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from ugly_mugs.reporting.forms import ReportForm, declared_form
from ugly_mugs.reports import fields


class OutreachReportForm(FlaskForm, declared_form("OutreachFields", fields.OUTREACH_FIELDS, base=ReportForm)):
    """The reporter's form, plus contact through the project (``fields.OUTREACH_FIELDS``) and
    the consent attestation. Its questions are shown in the person's language (the view renders
    it in that locale); the attestation is the worker's own statement and stays in English."""

    attested = BooleanField(
        "I read the consent choices above to the person, and they chose the one marked.",
        validators=[DataRequired("Confirm that the person chose what may be done with the report.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The worker asks the person; the questions speak about them, not to the worker.
        for declared in fields.REPORT_FIELDS:
            if declared.outreach_label:
                self[declared.name].label.text = _l(declared.outreach_label)


class RecoveryForm(FlaskForm):
    passphrase = PasswordField(
        "Recovery passphrase",
        description="The passphrase printed when the installation was set up.",
        validators=[DataRequired("Enter the recovery passphrase."), Length(max=200)],
    )
