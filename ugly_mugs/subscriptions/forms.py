"""Forms of the subscription pages: sign up (public and outreach), the code, stop."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ugly_mugs.web.forms import CheckboxesField, TranslatedForm, options
from ugly_mugs.web.i18n import LANGUAGES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _contact_field():
    return StringField(
        _l("Your mobile number or email address"),
        description=_l("A mobile number gets a text message, an email address an email."),
        filters=[_strip],
        validators=[
            DataRequired(_l("Type a mobile number or an email address.")),
            Length(max=254, message=_l("That is too long.")),
        ],
    )


class _Fields:
    contact = _contact_field()
    areas = CheckboxesField(
        _l("Where you work"),
        description=_l("You get the warnings for these areas."),
        validators=[DataRequired(_l("Choose at least one area."))],
    )
    language = SelectField(
        _l("Language of the messages"), choices=options((lang.locale, lang.name) for lang in LANGUAGES)
    )


class SubscribeForm(TranslatedForm, _Fields):
    def __init__(self, formdata=None, areas=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.areas.choices = options((a.code, a.label) for a in areas)


class OutreachSubscribeForm(FlaskForm, _Fields):
    def __init__(self, formdata=None, areas=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.areas.choices = options((a.code, a.label) for a in areas)


class _CodeFields:
    contact = HiddenField(filters=[_strip], validators=[DataRequired(), Length(max=254)])
    code = StringField(
        _l("The code we sent"),
        description=_l("Six digits."),
        filters=[_strip],
        validators=[DataRequired(_l("Type the code we sent.")), Length(max=20, message=_l("That is too long."))],
    )


class CodeForm(TranslatedForm, _CodeFields):
    pass


class OutreachCodeForm(FlaskForm, _CodeFields):
    pass


class StopForm(TranslatedForm):
    contact = _contact_field()
