"""Languages of the reporter pages: which one a request uses, and how it stays in the URL.

The language travels as ``?lang=ro`` on every reporter link and form action, never in a
cookie (reporter pages set none). With no ``lang`` in the URL the browser's Accept-Language
chooses, matched by Babel's ``negotiate_locale`` (``negotiate``): a regional variant falls back
to its language (``ro-RO`` → Romanian, ``en-GB`` → English) and Portuguese of any region, which
we have only as Brazilian Portuguese, to that (``pt-PT`` → ``pt_BR``). Staff pages and the JSON
API stay in English, so an outreach worker's form, which shares the reporter fields, does not
change language with the worker's browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.core import LOCALE_ALIASES, negotiate_locale
from flask import Flask, has_request_context, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel, LazyString, get_locale

DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    locale: str  # the Babel locale and the catalog folder name
    url_code: str  # what ``?lang=`` carries
    html_code: str  # the BCP 47 tag for <html lang> and hreflang
    name: str  # the language's name in itself, for the switcher


LANGUAGES: tuple[Language, ...] = (
    Language("en", "en", "en", "English"),
    Language("ro", "ro", "ro", "Română"),
    Language("pt_BR", "pt-br", "pt-BR", "Português (Brasil)"),
    Language("pl", "pl", "pl", "Polski"),
    Language("bg", "bg", "bg", "Български"),
)
BY_LOCALE = {lang.locale: lang for lang in LANGUAGES}
_BY_URL_CODE = {lang.url_code: lang for lang in LANGUAGES}
LOCALES = tuple(BY_LOCALE)

# The name of the language buttons on a filled form (the reporter's, base.html ``switch_form``, and
# the outreach worker's): the form is sent back to itself in that language, not checked, not filed.
SWITCH_LANGUAGE = "switch_language"

# Blueprints whose pages are for staff or partner apps: always English.
# The bulletin pages ("projects", "feeds") are in the project's language, chosen by the project, not the browser.
ENGLISH_ONLY = frozenset(
    {
        "auth",
        "staff",
        "admin",
        "api",
        "health",
        "stats",
        "coordinator",
        "police",
        "projects",
        "deliveries",
        "feeds",
        "matching",
        "check_api",
        "subscribe_staff",
        "sms_gateway",
    }
)
# Blueprints of reporter pages, whose links and forms carry the chosen language.
REPORTER_BLUEPRINTS = ("reporting.", "public_check.", "subscribe.")


def by_url_code(raw: object) -> Language | None:
    """The language a partner app or a URL names (``ro``, ``pt-br``…), or None if it is not one of ours."""
    if not isinstance(raw, str):
        return None
    return _BY_URL_CODE.get(raw.strip().lower().replace("_", "-"))


# Babel's aliases from a bare language to its usual locale, except that our Portuguese is Brazil's.
ALIASES = {**LOCALE_ALIASES, "pt": "pt_BR"}
_BY_LOWER_LOCALE = {lang.locale.lower(): lang for lang in LANGUAGES}


def negotiate(tags: list[str]) -> Language | None:
    """Our language for the language tags a person prefers, best first (``["pt-PT", "en"]``), by
    Babel's ``negotiate_locale`` with ``ALIASES``; each tag is tried as given, then as its bare
    language, before the next tag. None if no tag is one of ours."""
    preferred = []
    for tag in tags:
        locale = tag.strip().replace("-", "_")
        if not locale or locale == "*" or len(locale) > 35:
            continue
        preferred.append(locale)
        base = locale.split("_", 1)[0]
        if base != locale:
            preferred.append(base)
    found = negotiate_locale(preferred, [lang.locale for lang in LANGUAGES], sep="_", aliases=ALIASES)
    return _BY_LOWER_LOCALE.get(found.lower()) if found else None


def language_in_url() -> Language | None:
    """The language named by ``?lang=`` (case and ``_``/``-`` do not matter, a region falls back to
    its language as in ``negotiate``), if it is one of ours."""
    raw = request.args.get("lang", "")
    return by_url_code(raw) or negotiate([raw])


def select_locale() -> str:
    if request.blueprint in ENGLISH_ONLY or request.path.startswith("/api/"):
        return DEFAULT
    chosen = language_in_url()
    if chosen is not None:
        return chosen.locale
    accepted = [tag for tag, quality in request.accept_languages if quality > 0]
    best = negotiate(accepted)
    return best.locale if best else DEFAULT


def current() -> Language:
    return BY_LOCALE.get(str(get_locale()), BY_LOCALE[DEFAULT])


def switch_url(lang: Language) -> str:
    """Where the switcher's link for ``lang`` goes: this page when it can be fetched again, else the start."""
    endpoint = request.endpoint
    rule = request.url_rule
    if endpoint and endpoint.startswith(REPORTER_BLUEPRINTS) and rule is not None and "GET" in (rule.methods or ()):
        return url_for(endpoint, **(request.view_args or {}), lang=lang.url_code)
    if endpoint in {"reporting.add_information", "reporting.change_consent", "reporting.erase"}:
        return url_for("reporting.receipt", lang=lang.url_code)
    return url_for("reporting.index", lang=lang.url_code)


class JSONProvider(DefaultJSONProvider):
    """The app's JSON: writes a translatable message (a form error) as the text it stands for,
    keeps the order of keys as built (the OpenAPI document lists fields in the declared order),
    and reads a body nested too deeply to parse, or an object with a key given twice, as malformed
    (ValueError, which ``request.get_json`` answers as bad JSON: 400) instead of raising
    RecursionError (a 500) or keeping one of the two values."""

    sort_keys = False

    @staticmethod
    def default(o):
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s, **kwargs):
        kwargs.setdefault("object_pairs_hook", _each_key_once)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def _each_key_once(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are all different, else ValueError (bad JSON: 400). RFC 8259
    §4 leaves a repeated name's meaning open (parsers keep the first or the last): a body that
    says ``consent_level`` twice must not mean one thing to a proxy and another here."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a key is given twice in one JSON object")
    return found


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    Babel(app, locale_selector=select_locale, default_domain="messages")

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict) -> None:
        # Only a language the visitor chose in the URL is carried on; one from the browser needs no help.
        if not endpoint.startswith(REPORTER_BLUEPRINTS) or "lang" in values:
            return
        chosen = language_in_url() if has_request_context() else None
        if chosen is not None:
            values["lang"] = chosen.url_code

    @app.context_processor
    def _languages() -> dict:
        return {"languages": LANGUAGES, "language": current(), "switch_url": switch_url}
