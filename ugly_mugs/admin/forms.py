"""Admin forms (Flask-WTF, session CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ugly_mugs.models.people import ROLE_LABELS, ROLES
from ugly_mugs.web.forms import DayField, options


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
