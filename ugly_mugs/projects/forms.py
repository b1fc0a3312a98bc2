"""Project forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

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


class EmailChannelForm(FlaskForm):
    address = StringField(
        "Email address", validators=[DataRequired("Enter an email address."), Length(max=254, message="Too long.")]
    )


class WebhookChannelForm(FlaskForm):
    url = StringField(
        "Webhook URL",
        description="https://… on the project's own server; it receives each alert as signed JSON.",
        validators=[DataRequired("Enter the webhook's address."), Length(max=500, message="At most 500 characters.")],
    )
