"""The request boundary: one rule for text and one for identifiers, for every route of the app.

**Text.** Every form field and query-string value of every request (and every field name)
reaches views and forms through ``BoundaryRequest``, which applies
``reports.text.strip_controls``: NUL and the other control characters (tab, line feed and
carriage return excepted), the bidirectional controls and lone surrogates are removed before
any form, service or database sees them (PostgreSQL cannot store NUL at all). What a person
typed is otherwise kept exactly, so a form shown back shows the text without those characters,
and the page says so (``input_notice`` in every template): nothing visible is lost.

**Identifiers.** Path segments are read by typed converters, so that a value no column can hold
matches no route and gets the ordinary 404, on SQLite and PostgreSQL alike:

- ``<int:…>`` is an id: ASCII digits, 1 to ``ID_MAX`` (2**31 - 1, the range of an ``integer``
  column on PostgreSQL, where every id of the schema lives; SQLite's wider integers are held to
  the same range so that both answer the same);
- ``<name>`` (the default) and ``<path:…>`` take no control, bidirectional-control or format
  character, and a ``<name>`` segment at most ``SEGMENT_MAX`` characters.

``id_arg`` reads an id from the query string by the same rule.

**Uploads.** A file in a form body is kept in memory (``_get_file_stream``), never spooled to a
temporary file: a photo must not touch the disk before it is cleaned and encrypted. What
bounds the memory is the body limit: ``MAX_CONTENT_LENGTH`` everywhere, and
``PHOTO_REQUEST_BYTES`` on the few routes marked ``accepts_photos`` (the report forms); the
body limit is chosen by route before the body is read (also by CSRF checks in before-request
hooks). A report form (multipart) whose photos together pass ``PHOTO_REQUEST_BYTES`` is still
read, up to ``PHOTO_FORM_READ_BYTES``, so that what she typed is not lost with them: the photos'
bytes past the limit are dropped as they arrive, every photo of the request is then emptied
(``photos_over_limit`` is True, and the form says to choose smaller ones), and the fields are
kept. Only a body past ``PHOTO_FORM_READ_BYTES`` gets the 413 page.

**JSON.** A body nested deeper than the parser's recursion allows (``[[[[…`` a few kilobytes
long), or an object with a key given twice, is bad JSON like any other (400), not a
RecursionError and a 500, nor one of the two values: the app's one JSON provider,
``i18n.JSONProvider``, reads it so. ``json_object`` is how a JSON API reads its body (the
report API and the number check): a body labelled with a charset other than UTF-8 is refused.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

from flask import Flask, Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import BaseConverter, IntegerConverter, PathConverter

from ugly_mugs.reports import text

ID_MAX = 2**31 - 1
SEGMENT_MAX = 200
# Characters no path segment may hold: C0 and C1 controls, DEL, bidirectional controls, and
# the other invisible format characters (zero-width space, byte order mark) of a URL.
_NOT_IN_SEGMENTS = "\\x00-\\x1f\\x7f-\\x9f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff"

STRIPPED = _l(
    "Invisible control characters were removed from what you sent. Everything else you typed is kept: please check it."
)


class IdConverter(IntegerConverter):
    """``<int:…>``: an id of a database row, 1 to ``ID_MAX``; anything else matches no route."""

    regex = r"[0-9]{1,18}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


class SegmentConverter(BaseConverter):
    """``<name>``: one path segment of visible characters, at most ``SEGMENT_MAX`` long."""

    regex = f"[^/{_NOT_IN_SEGMENTS}]{{1,{SEGMENT_MAX}}}"


class VisiblePathConverter(PathConverter):
    """``<path:…>``: like Werkzeug's, without control or format characters."""

    regex = f"[^/{_NOT_IN_SEGMENTS}](?:[^{_NOT_IN_SEGMENTS}]*[^/{_NOT_IN_SEGMENTS}])?"


def _cleaned(values: MultiDict, storage: type) -> tuple[MultiDict, bool]:
    changed = False
    pairs = []
    for key, value in values.items(multi=True):
        if not isinstance(key, str):
            # A multipart part without a name (Werkzeug gives it the key None) names no field.
            changed = True
            continue
        if text.has_controls(key) or (isinstance(value, str) and text.has_controls(value)):
            changed = True
            value = text.strip_controls(value) if isinstance(value, str) else value
            key = text.strip_controls(key)
        pairs.append((key, value))
    return (storage(pairs) if changed else values), changed


class _PhotoBudget:
    """The bytes the files of one request may still keep in memory (``PHOTO_REQUEST_BYTES``)."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.passed = False

    def take(self, size: int) -> bool:
        """Whether ``size`` more bytes may be kept; once refused, none are."""
        if self.passed or size > self.left:
            self.passed = True
            return False
        self.left -= size
        return True


class _BudgetedFile(io.BytesIO):
    """A file of a report form, in memory while its request's budget lasts; past it, what comes
    is dropped as it arrives (the request then empties all its files)."""

    def __init__(self, budget: _PhotoBudget) -> None:
        super().__init__()
        self._budget = budget

    def write(self, data) -> int:
        if self._budget.take(len(data)):
            return super().write(data)
        return len(data)


class BoundaryRequest(Request):
    """Flask's request, whose ``args`` and ``form`` are cleaned by the text rule.

    ``stripped_input`` is True when the rule removed something from this request;
    ``photos_over_limit`` when its files together passed ``PHOTO_REQUEST_BYTES`` and were
    emptied (a report form, read whole for what she typed: see the module docstring).
    """

    stripped_input = False
    photos_over_limit = False

    def _takes_photos(self) -> bool:
        if not (current_app and self.endpoint):
            return False
        return getattr(current_app.view_functions.get(self.endpoint), "accepts_photos", False)

    def _photo_form(self) -> bool:
        """A form body (multipart) on a route marked ``accepts_photos``."""
        return self._takes_photos() and self.mimetype == "multipart/form-data"

    @property
    def max_content_length(self) -> int | None:
        """The body limit: on a route marked ``accepts_photos``, ``PHOTO_FORM_READ_BYTES`` for a
        form (its photos past ``PHOTO_REQUEST_BYTES`` dropped as they come) and
        ``PHOTO_REQUEST_BYTES`` for anything else (the API's JSON); elsewhere Flask's."""
        if self._max_content_length is None and self._takes_photos():
            config = current_app.config
            return config["PHOTO_FORM_READ_BYTES"] if self._photo_form() else config["PHOTO_REQUEST_BYTES"]
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        # In memory, whatever its size (bounded by the body limit, or on a report form by the
        # photo budget): Werkzeug would spool a file over 500 KB to a temporary file, and an
        # uploaded photo must never reach the disk.
        if self._photo_form():
            budget = self.__dict__.setdefault("_photo_budget", _PhotoBudget(current_app.config["PHOTO_REQUEST_BYTES"]))
            return _BudgetedFile(budget)
        return io.BytesIO()

    def _strip(self, values: MultiDict) -> MultiDict:
        cleaned, changed = _cleaned(values, type(values) if isinstance(values, MultiDict) else ImmutableMultiDict)
        if changed:
            self.stripped_input = True
        return cleaned

    @property
    def args(self) -> MultiDict:
        found = self.__dict__.get("_boundary_args")
        if found is None:
            found = self.__dict__["_boundary_args"] = self._strip(super().args)
        return found

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = self._strip(self.__dict__["form"])
        self.__dict__["files"] = self._strip(self.__dict__["files"])
        budget = self.__dict__.get("_photo_budget")
        if budget is not None and budget.passed:
            # Part of a photo is no photo: all are dropped, their names kept so that the form
            # can ask for them again.
            self.photos_over_limit = True
            for _name, upload in self.__dict__["files"].items(multi=True):
                upload.stream = io.BytesIO()


def accepts_photos(view: Callable) -> Callable:
    """Mark a view whose form may carry photos: its body may be up to ``PHOTO_REQUEST_BYTES``."""
    view.accepts_photos = True
    return view


def _past_the_limit() -> bool:
    """Whether the body, sent without a Content-Length (chunked), went on past the body limit:
    Werkzeug then reads it up to the limit and stops there, and the cut JSON would be taken for
    bad JSON (a Content-Length over the limit is refused before anything is read)."""
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if limit is None or request.content_length is not None or len(data) < limit:
        return False
    return bool(request.input_stream.read(1))


def json_object() -> tuple[dict | None, tuple[int, str] | None]:
    """The request's JSON object body, or None and (status, message) for the problem to answer:
    415 when it is not labelled application/json or is labelled with a charset other than UTF-8
    (JSON between systems is UTF-8, RFC 8259 §8.1: it is not read as UTF-8 by guesswork), 413
    when a chunked body goes on past the body limit, 400 when it is not one JSON object (bad
    JSON, too deeply nested, a key given twice)."""
    if not request.is_json:
        return None, (415, "Send the request body as application/json.")
    if request.mimetype_params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        return None, (415, "Send the request body as JSON in UTF-8 (charset=utf-8, or no charset).")
    if _past_the_limit():
        return None, (413, "The body is too large.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, (400, "The body must be a JSON object, each key given once.")
    return body, None


def id_arg(args: Mapping[str, str], name: str) -> int | None:
    """The id in query argument ``name`` by the path rule (ASCII digits, 1 to ``ID_MAX``), or None."""
    raw = (args.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    value = int(raw)
    return value if 1 <= value <= ID_MAX else None


def input_notice() -> str | None:
    """What a page says when the text rule removed characters from its request (else None)."""
    return STRIPPED if getattr(request, "stripped_input", False) else None


def init_app(app: Flask) -> None:
    """Install the rules, then the static files' route; before any blueprint is registered, so
    that every route's segments are read by these converters (the app is made with
    ``static_folder=None`` for that reason)."""
    app.request_class = BoundaryRequest
    app.url_map.converters.update(
        {"int": IdConverter, "default": SegmentConverter, "string": SegmentConverter, "path": VisiblePathConverter}
    )
    app.static_folder = "static"
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=app.send_static_file)

    @app.context_processor
    def _notice() -> dict:
        return {"input_notice": input_notice()}
