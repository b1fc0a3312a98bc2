"""The public, token-addressed face of a project: its Atom feed and its printable sheet.

The token travels in the query string (``?token=``) because the access log records paths
without query strings, so the secret never lands in a log. An unknown, stopped or missing
token gets the same 404 as any other unknown page. No cookie is set, nothing is read from a
report; a feed reader may cache the feed briefly, privately.

The sheet is served by token as well as to logged-in project staff so that an outreach van
can print it from a shared computer without anyone logging in there: the token already gives
the same alerts through the feed, so the sheet discloses nothing more.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from ugly_mugs.models import Project
from ugly_mugs.projects import service
from ugly_mugs.projects.views import sheet_context, sheet_pdf_response
from ugly_mugs.web import database, headers
from ugly_mugs.web.access import public

bp = Blueprint("feeds", __name__)

FEED_CACHE = "private, max-age=300"


def _by_token() -> Project:
    return service.project_for_feed_token(database.session(), request.args.get("token")) or abort(404)


@bp.get("/feed")
@public
def atom_feed():
    project = _by_token()
    self_url = url_for("feeds.atom_feed", token=request.args["token"], _external=True)
    document = service.atom_feed(database.session(), project, self_url)
    response = Response(document, mimetype="application/atom+xml")
    response.charset = "utf-8"
    headers.allow_caching(response, FEED_CACHE)
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/bulletin")
@public
def bulletin():
    project = _by_token()
    return render_template(
        "projects/bulletin.html",
        pdf_url=url_for("feeds.bulletin_pdf", token=request.args["token"]),
        **sheet_context(project),
    )


@bp.get("/bulletin.pdf")
@public
def bulletin_pdf():
    return sheet_pdf_response(_by_token())
