"""Coordinator forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from alerts.authoring.compose import MAX_BODY, MAX_TITLE, PARTS_OF_DAY
from ugly_mugs import consent
from ugly_mugs.audit import READ_REASONS
from ugly_mugs.consent.staff import GIVEN_BY_LABELS
from ugly_mugs.coordinator.casework import MAX_NOTE
from ugly_mugs.models.alerts import SEVERITY_LABELS
from ugly_mugs.models.erasure import ERASURE_REASON_LABELS
from ugly_mugs.reports import messages, statuses
from ugly_mugs.web.forms import CheckboxesField, DayField, options


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
    # In the reporter's own words, as a coordinator reads them out to her.
    level = RadioField("What did the person agree to?", choices=options(list(consent.REPORTER_WORDING.items())))
    given_by = RadioField(
        "How did they tell you?",
        choices=options(list(GIVEN_BY_LABELS.items())),
        validators=[DataRequired("Say how the person gave their consent.")],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=options([("approve", "Approve"), ("reject", "Reject")]),
        validators=[DataRequired("Approve or reject.")],
    )


class StatusForm(FlaskForm):
    # Its own id: the report page already shows the current status as #status.
    status = SelectField(
        "Set the status to",
        id="new-status",
        choices=options([(code, statuses.LABELS[code]) for code in statuses.SETTABLE]),
        validators=[DataRequired("Choose a status.")],
    )


class NoteForm(FlaskForm):
    text = TextAreaField(
        "Add a case note",
        description="Stored encrypted; only coordinators holding the scheme key can read it.",
        validators=[DataRequired("Write the note first."), Length(max=MAX_NOTE)],
    )


class ErasureForm(FlaskForm):
    reason = SelectField(
        "Why should it be deleted?",
        id="erasure-reason",
        choices=options([("", "Choose a reason")] + list(ERASURE_REASON_LABELS.items())),
        validators=[DataRequired("Choose why the report should be deleted.")],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def confirmed_names_field(field_id: str = "confirmed_names") -> CheckboxesField:
    """The deliberate confirmation of names of other people from her account that the guard
    flagged: one box per name; its choices are set from the guard's verdict when shown."""
    return CheckboxesField(
        "Names from the reporter's own account",
        description="Tick each name only if you are sure it cannot lead to her: not her family, friends, "
        "neighbours or anyone near her home.",
        choices=[],
        validate_choice=False,
        id=field_id,
    )


def offer_names(field: CheckboxesField, names) -> None:
    """Show one box per flagged name."""
    field.choices = [(name, f"“{name}” cannot lead to her") for name in names]


class DraftForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the alert a title."), Length(max=MAX_TITLE)])
    body = TextAreaField(
        "Text of the alert",
        description="About him and what he did. Nothing about who the reporter is or exactly where and when.",
        validators=[DataRequired("Write the alert's text."), Length(max=MAX_BODY)],
    )
    severity = RadioField(
        "Severity",
        choices=options(list(SEVERITY_LABELS.items())),
        validators=[DataRequired("Choose urgent, warning or information.")],
    )
    areas = CheckboxesField("Areas it goes to", choices=[], validators=[DataRequired("Choose at least one area.")])
    incident_week = DayField(
        "Week of the incident",
        description="Any day of the week; the alert shows only the week.",
        validators=[Optional()],
    )
    part_of_day = SelectField("Part of the day", choices=options(list(PARTS_OF_DAY.items())))
    confirmed_names = confirmed_names_field()

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = [(a.code, a.name) for a in areas]


class ApproveForm(FlaskForm):
    """Approving the draft the page showed: ``shown`` is its fingerprint (``Draft.fingerprint``)."""

    shown = HiddenField()
    confirmed_names = confirmed_names_field("approve_confirmed_names")


class UpdateForm(FlaskForm):
    title = StringField(
        "Title of the update", validators=[DataRequired("Give the update a title."), Length(max=MAX_TITLE)]
    )
    body = TextAreaField("What has changed", validators=[DataRequired("Write the update."), Length(max=MAX_BODY)])
    severity = RadioField(
        "Severity",
        choices=options(list(SEVERITY_LABELS.items())),
        validators=[DataRequired("Choose urgent, warning or information.")],
    )
    confirmed_names = confirmed_names_field("update_confirmed_names")


class RetractForm(FlaskForm):
    note = TextAreaField(
        "Why it is withdrawn (optional)",
        description="Sent with the retraction; checked like the alert.",
        validators=[Optional(), Length(max=2000)],
    )
    confirmed_names = confirmed_names_field("retract_confirmed_names")


class MessageForm(FlaskForm):
    text = TextAreaField(
        "Message to the reporter",
        id="message-text",
        description=(
            "She sees it, in what you write, the next time she enters her receipt code. "
            "Stored encrypted for coordinators and her only."
        ),
        validators=[DataRequired("Write the message first."), Length(max=messages.MAX_TEXT)],
    )
