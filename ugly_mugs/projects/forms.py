"""Project forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from alerts.delivery.channels import Channel
from ugly_mugs.projects.service import LANGUAGES
from ugly_mugs.web.forms import options


class NewProjectForm(FlaskForm):
    name = StringField("Project name", validators=[DataRequired("Enter the project's name."), Length(max=200)])


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SettingsForm(FlaskForm):
    name = StringField("Project name", validators=[DataRequired("Enter the project's name."), Length(max=200)])
    language = SelectField(
        "Bulletin language",
        choices=options(LANGUAGES.items()),
        description="Emails, the feed and the printable sheet use this language around each alert.",
    )
    active = BooleanField("Active (receives alerts)")
    areas = CheckboxList("Areas covered", coerce=int, description="The project receives the alerts for these areas.")


class MemberForm(FlaskForm):
    account = SelectField("Account", coerce=str)


class RetryFailedForm(FlaskForm):
    """Send failed deliveries again in bulk: every project's, or one project's."""

    ALL = "all"
    project = SelectField(
        "Failed deliveries of",
        coerce=str,
        validators=[DataRequired("Choose which failed deliveries to send again.")],
        description="Each is tried again from the start of its retry schedule.",
    )

    @classmethod
    def project_choices(cls, failed_projects: list[tuple[int, str, int]]) -> list[tuple[str, str]]:
        return [(cls.ALL, "every project")] + [(str(pid), f"{name} ({n})") for pid, name, n in failed_projects]


# --- channels: one form per registered kind, its one field described by the channel -------------


def channel_form(channel: Channel, formdata: bool = True) -> FlaskForm:
    """The form that adds one destination of ``channel``'s kind: the field its ``TargetField`` describes.

    With ``formdata`` the form reads the request (to validate a POST); without, it is empty.
    """
    spec = channel.field
    field = StringField(
        spec.label,
        description=spec.hint or "",
        validators=[
            DataRequired(spec.required_message),
            Length(max=spec.max_length, message=f"At most {spec.max_length} characters."),
        ],
    )
    form_class = type(f"{channel.kind.title()}ChannelForm", (FlaskForm,), {spec.name: field})
    return form_class() if formdata else form_class(formdata=None)
