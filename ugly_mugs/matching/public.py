"""The public check page for sex workers without an account (off unless UGLY_MUGS_PUBLIC_CHECK).

A reporter page like the others: five languages, no cookie, quick exit, a signed form token and
a refusal of cross-site posts. Rate-limited per client (under a keyed hash of the address, never
the address) and across everyone, with counters every process and host shares
(``web.throttling``), so it cannot be used to test a list of numbers quickly. Nothing about a
check is logged or stored.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ugly_mugs.matching import check
from ugly_mugs.matching.forms import PublicCheckForm
from ugly_mugs.matching.index import MatchingKeyUnavailable
from ugly_mugs.web import database, errors, form_token, throttling
from ugly_mugs.web.access import public

bp = Blueprint("public_check", __name__)

FORM = "public-check"

NOT_SAFE = _l("No warning does not mean he is safe. Trust your instincts, and tell someone where you are going.")
PROBLEMS = {
    "kind": _l("Choose what kind of detail this is."),
    "empty": _l("Type the phone number, plate, email or username to check."),
    "long": _l("That is too long to check."),
    "unusable": _l("That does not look like a phone number, a whole number plate, an email or a username."),
}


def _unavailable(_exc):
    """The database did not answer (or would not write): 503, the check form shown back as typed."""
    form = PublicCheckForm(request.form if request.method == "POST" else None)
    return errors.unavailable(_page(form, notice=_("Checking is not possible just now. Please try again later.")))


for _fault in database.UNAVAILABLE:
    bp.register_error_handler(_fault, _unavailable)


@bp.before_request
def _only_when_switched_on():
    if not current_app.config["PUBLIC_CHECK"]:
        abort(404)
    if request.method == "POST" and form_token.is_cross_site(
        request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"), request.host_url
    ):
        abort(403)


def _page(form, answer=None, notice=None, status: int = 200):
    token = form_token.issue(form_token.keys(current_app.config), FORM)
    return (
        render_template(
            "matching/public_check.html", form=form, answer=answer, notice=notice, token=token, not_safe=NOT_SAFE
        ),
        status,
    )


@bp.route("/check-a-number", methods=["GET", "POST"])
@public
def public_check():
    if request.method == "GET":
        return _page(PublicCheckForm())
    form = PublicCheckForm(request.form)
    cfg = current_app.config
    state = form_token.check(form_token.keys(cfg), FORM, request.form.get("form_token"), cfg["FORM_TOKEN_MAX_AGE"])
    if state is not form_token.TokenState.VALID:
        return _page(form, notice=_("Nothing was checked yet. Please press Check again."), status=400)
    if not form.validate():
        return _page(form, status=400)
    # The client is known only by a keyed hash of its address (web.throttling.client): never
    # stored or logged (test_public_check_stores_and_logs_no_address_or_user_agent).
    refused = throttling.public_check_refused()
    database.session().commit()  # the check is counted whatever comes of it
    if refused is not None:
        return _page(form, notice=_("Too many checks for now. Please wait a while and try again."), status=429)
    try:
        answer = check.check(database.session(), form.identifier.data, form.kind.data or None)
    except check.CheckError as exc:
        form.identifier.errors = [PROBLEMS.get(exc.code, PROBLEMS["unusable"])]
        return _page(form, status=400)
    except MatchingKeyUnavailable:
        return _page(form, notice=_("Checking is not possible just now. Please try again later."), status=503)
    return _page(form, answer=answer)
