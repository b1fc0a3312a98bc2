"""Form helpers every face shares: translated WTForms meta, choice options, checkbox lists and
the confirm button of staff pages (Flask-WTF, session CSRF)."""

from __future__ import annotations

import functools

from flask import has_request_context
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from wtforms import Form, SelectMultipleField, widgets
from wtforms import i18n as wtforms_i18n
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta


def translated(label: str) -> str:
    return gettext(label) if has_request_context() else label


@functools.cache
def _wtforms_translations(locale: str):
    return wtforms_i18n.get_translations([locale, locale.split("_")[0]])


class TranslatedMeta(DefaultMeta):
    """WTForms' own few messages (a tampered choice, say) in the page's language."""

    def get_translations(self, form):
        locale = str(get_locale()) if has_request_context() else "en"
        return None if locale == "en" else _wtforms_translations(locale)


class TranslatedForm(Form):
    Meta = TranslatedMeta


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""
