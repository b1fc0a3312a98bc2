"""Staff login forms. Flask-WTF forms: each carries the session-bound CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ugly_mugs.auth.accounts import MAX_PASSWORD, MIN_PASSWORD


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD)])
    code = StringField(
        "Code from your authenticator app",
        description="Six digits. Leave empty the first time you log in.",
        validators=[Length(max=12)],
    )


class EnrolForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        description="Six digits, shown by the app after you scan the picture.",
        validators=[DataRequired("Enter the code your app shows."), Length(max=12)],
    )


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    new = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD} characters. A few unusual words make a good one.",
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The two new passwords are not the same.")]
    )


class InvitationForm(FlaskForm):
    """Accepting an invitation: the link's token (carried from the link's query string, so that
    it is in no access log line: those hold the path only) and the person's own password."""

    token = HiddenField(validators=[Length(max=64)])
    new = PasswordField(
        "Choose a password",
        description=f"At least {MIN_PASSWORD} characters. A few unusual words make a good one. Nobody else is told it.",
        validators=[DataRequired("Choose a password."), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
    )
    confirm = PasswordField(
        "The same password again",
        validators=[DataRequired("Type the password again."), EqualTo("new", "The two passwords are not the same.")],
    )
