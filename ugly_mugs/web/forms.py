"""Form helpers every face shares: translated WTForms meta, choice options, checkbox lists and
the confirm button of staff pages (Flask-WTF, session CSRF)."""

from __future__ import annotations

import functools

from flask import has_request_context
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, Form, SelectMultipleField, widgets
from wtforms import i18n as wtforms_i18n
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.widgets import DateInput

from ugly_mugs import dates


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


class DayField(Field):
    """A day typed on a staff page, read by the one bounded parser (``dates.parse_day``): a day
    outside 1900..2100 or one that is not a day gets the parser's message, never an error later."""

    widget = DateInput()

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        try:
            self.data = dates.parse_day(" ".join(valuelist))
        except dates.DateProblem as exc:
            self.data = None
            raise ValueError(str(exc)) from None


class ListField(FieldList):
    """WTForms' ``FieldList``, reading only entry numbers of at most ``INDEX_DIGITS`` ASCII digits
    from the posted keys (``services-3-name``): its own reader passes any key ``str.isdigit``
    accepts ("²", "①", five thousand nines) to ``int``, which raises, and the page would fail.
    A key with any other number names no entry and is left out."""

    INDEX_DIGITS = 4

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= self.INDEX_DIGITS:
                    yield int(index)


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


def typed_text(form: Form, prefix: str = "") -> list[tuple[str, str, str]]:
    """What was typed into ``form``'s text fields, as ``(id, label, text)``: shown back read-only
    (``_kept.html``) when the page no longer offers the form itself because what it acts on
    changed meanwhile, so that nothing typed is lost. The id is the field's, so the error
    summary's links reach it, behind ``prefix`` where the page shows another form's same ids."""
    return [
        (prefix + field.id, str(field.label.text), field.data)
        for field in form
        if field.type in ("StringField", "TextAreaField") and isinstance(field.data, str) and field.data.strip()
    ]
