"""Admin forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, FormField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ugly_mugs import helplines
from ugly_mugs.models.people import ROLE_LABELS, ROLES
from ugly_mugs.web.forms import DayField, ListField, options


class AccountForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Choose a username."), Length(max=64)])
    display_name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    role = SelectField("Role", choices=options((r, ROLE_LABELS[r]) for r in ROLES))
    police_unit = SelectField("Police unit (police liaison only)", validators=[Optional()])
    project = SelectField("Project (outreach workers and project members)", validators=[Optional()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField("Action", validators=[Optional(), Length(max=48)])
    actor = StringField("Actor username", validators=[Optional(), Length(max=64)])
    report = StringField("Report id", validators=[Optional(), Length(max=32)])
    since = DayField("From (day, YYYY-MM-DD)", name="from", validators=[Optional()])
    until = DayField("To (day, YYYY-MM-DD)", name="to", validators=[Optional()])


class ServiceForm(Form):
    """One service of the help box (a subform: the page's CSRF token covers it)."""

    name = StringField("Name", validators=[Optional(), Length(max=helplines.MAX_NAME)])
    phone = StringField("Phone", validators=[Optional(), Length(max=32)])
    url = StringField("Web address (https://…)", validators=[Optional(), Length(max=helplines.MAX_URL)])
    description = StringField(
        "What it is for",
        description="Shown as written. The defaults' descriptions are shown in the reader's language.",
        validators=[Optional(), Length(max=helplines.MAX_TEXT)],
    )


class HelpForm(FlaskForm):
    emergency = StringField(
        "Emergency number", validators=[DataRequired("Give the emergency number (999 in the UK)."), Length(max=32)]
    )
    non_emergency = StringField("Police, not an emergency", validators=[Optional(), Length(max=32)])
    scheme_name = StringField(
        "Name of the scheme's own line",
        description='Shown before its number; if empty, the pages say "Our support line".',
        validators=[Optional(), Length(max=helplines.MAX_NAME)],
    )
    scheme_phone = StringField(
        "The scheme's own phone number",
        description="Not shown until it is set.",
        validators=[Optional(), Length(max=32)],
    )
    scheme_hours = StringField(
        "When that line is open",
        description="For example: Monday to Friday, 10am to 6pm. Shown as written.",
        validators=[Optional(), Length(max=helplines.MAX_TEXT)],
    )
    services = ListField(FormField(ServiceForm), min_entries=helplines.MAX_SERVICES, max_entries=helplines.MAX_SERVICES)

    def raw(self) -> dict:
        """What was typed, in the shape ``helplines.clean`` reads."""
        names = ("emergency", "non_emergency", "scheme_name", "scheme_phone", "scheme_hours")
        data = {name: getattr(self, name).data or "" for name in names}
        data["services"] = [dict(entry.data) for entry in self.services.entries]
        return data

    def field_named(self, name: str):
        """The field a ``helplines.HelpError`` names (``services-<i>-<field>`` for a service)."""
        if name.startswith("services-"):
            _, index, sub = name.split("-", 2)
            return self.services.entries[int(index)][sub]
        return getattr(self, name, self.emergency)
