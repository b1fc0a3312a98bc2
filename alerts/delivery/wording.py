"""The fixed wording of a bulletin (labels, headings, the safety reminder) in a project's language.

Bulletins go out from the dispatch worker, which has no request, so the app's catalogs
(``ugly_mugs/translations``) are opened with Babel directly rather than through flask-babel.
Only this wording is translated: an alert's own title and body are sent as the coordinator
wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.support import NullTranslations, Translations

CATALOGS = Path(__file__).resolve().parents[2] / "ugly_mugs" / "translations"
LOCALES = ("en", "ro", "pt_BR", "pl", "bg")
DEFAULT_LOCALE = "en"
# How dates are written: the scheme is British, so English bulletins write "16 November 2026".
DATE_LOCALES = {"en": "en_GB"}


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog for ``locale``; English (the message ids themselves) for anything else."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(CATALOGS), [locale], domain="messages")


@dataclass(frozen=True)
class Wording:
    """Every fixed string a bulletin needs, already in one language."""

    locale: str
    no_warning_means_safe: str
    subject: str
    severities: dict[str, str]
    kinds: dict[str, str]
    parts_of_day: dict[str, str]
    retraction_note: str
    update_note: str
    areas: str
    when: str
    reference: str
    current_alerts: str
    alerts_for: str
    printed: str
    nothing_current: str
    feed_title: str
    area_heading: str
    week_of: str
    # To a subscriber: her verification code, the answer to HELP, the stop line of an email.
    code_text: str = "%(code)s"
    help_text: str = "%(url)s"
    stop_line: str = "%(url)s"
    code_subject: str = ""
    # The confirmation that a stop ended her subscription (a STOP forged from her number is
    # noticed by her): ``%(url)s`` is the sign-up page.
    stopped_text: str = "%(url)s"
    stopped_subject: str = ""

    def week(self, day: date | None) -> str:
        if day is None:
            return ""
        return self.week_of % {"date": format_date(day, "long", locale=DATE_LOCALES.get(self.locale, self.locale))}

    def day(self, day: date) -> str:
        return format_date(day, "long", locale=DATE_LOCALES.get(self.locale, self.locale))

    def when_text(self, week: date | None, part_of_day: str | None) -> str:
        """The coarse time of the incident as one phrase: week, then part of the day if known."""
        parts = [self.week(week)] if week else []
        if part_of_day and part_of_day in self.parts_of_day:
            parts.append(self.parts_of_day[part_of_day])
        return ", ".join(parts)


@cache
def wording(locale: str) -> Wording:
    """The bulletin wording in ``locale`` (one of the reporter-page languages; anything else is English)."""
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    gettext = translations(locale).gettext
    return Wording(
        locale=locale,
        no_warning_means_safe=gettext("No warning does not mean safe."),
        subject=gettext("New message"),
        severities={
            "urgent": gettext("Urgent"),
            "warning": gettext("Warning"),
            "information": gettext("Information"),
        },
        kinds={
            "alert": gettext("Alert"),
            "update": gettext("Update"),
            "retraction": gettext("Withdrawn"),
        },
        parts_of_day={
            "morning": gettext("Morning (6am to 12 noon)"),
            "afternoon": gettext("Afternoon (12 noon to 6pm)"),
            "evening": gettext("Evening (6pm to midnight)"),
            "night": gettext("Night (midnight to 6am)"),
        },
        retraction_note=gettext("This warning has been withdrawn. Please stop passing it on."),
        update_note=gettext("This is an update to an earlier warning."),
        areas=gettext("Areas"),
        when=gettext("When"),
        reference=gettext("Reference"),
        current_alerts=gettext("Current warnings"),
        alerts_for=gettext("Warnings for %(project)s"),
        printed=gettext("Printed %(date)s"),
        nothing_current=gettext("There are no current warnings for your areas."),
        feed_title=gettext("Warnings"),
        area_heading=gettext("Area: %(area)s"),
        week_of=gettext("Week of %(date)s"),
        code_text=gettext("Your code for warnings: %(code)s. If you did not ask for it, ignore this message."),
        help_text=gettext("Warnings about dangerous clients. Reply STOP to stop them. More: %(url)s"),
        stop_line=gettext("To stop these warnings: %(url)s"),
        code_subject=gettext("Your code"),
        stopped_text=gettext("You will get no more warnings. If this was not you, or to join again: %(url)s"),
        stopped_subject=gettext("Warnings stopped"),
    )
