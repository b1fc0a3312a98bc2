"""Staff pages of matching: the page of one identifier, and the check of a number for outreach
workers, project members and coordinators. (The linked-reports box of a report page comes with
the coordinator's report page, from ``ugly_mugs.matching.linked``.)

Identifiers are addressed by kind and digest, never by their value, so no phone number ever
appears in a URL, a log line or the browser's history.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ugly_mugs.matching import check, links, reveal
from ugly_mugs.matching.forms import RevealForm, StaffCheckForm
from ugly_mugs.matching.index import MatchingKeyUnavailable
from ugly_mugs.reports.reading import ReadRefused
from ugly_mugs.web import database, keyring
from ugly_mugs.web.access import current_account, roles

bp = Blueprint("matching", __name__)


def _identifier(kind: str, digest: str):
    if not links.valid_address(kind, digest):
        abort(404)
    found = links.reports_with(database.session(), kind, digest)
    if not found:
        abort(404)
    return found


def _identifier_page(kind: str, digest: str, found, form=None, value=None, status: int = 200):
    return (
        render_template(
            "matching/identifier.html",
            kind=kind,
            digest=digest,
            words=links.KIND_WORDS[kind],
            found=found,
            form=form or RevealForm(),
            value=value,
            possible=kind == "vehicle_part" or any(partial for _, _, partial in found),
        ),
        status,
    )


@bp.get("/coordinator/identifiers/<kind>/<digest>")
@roles("coordinator")
def identifier(kind: str, digest: str):
    return _identifier_page(kind, digest, _identifier(kind, digest))


@bp.post("/coordinator/identifiers/<kind>/<digest>/reveal")
@roles("coordinator")
def reveal_identifier(kind: str, digest: str):
    found = _identifier(kind, digest)
    form = RevealForm()
    if not form.validate_on_submit():
        return _identifier_page(kind, digest, found, form, status=400)
    pair = keyring.scheme_pair()
    if pair is None:
        form.reason.errors = ["You do not hold the scheme key yet. See the Keys page."]
        return _identifier_page(kind, digest, found, form, status=403)
    db = database.session()
    try:
        value = reveal.reveal(db, kind, digest, [r for r, _, _ in found], current_account(), pair, form.reason.data)
    except (ReadRefused, MatchingKeyUnavailable) as exc:
        db.rollback()
        form.reason.errors = [str(exc)]
        return _identifier_page(kind, digest, found, form, status=400)
    db.commit()
    return _identifier_page(kind, digest, found, form, value=value or "")


@bp.route("/check", methods=["GET", "POST"])
@roles("outreach", "project_member", "coordinator")
def check_page():
    form = StaffCheckForm()
    answer = None
    status = 200
    if form.validate_on_submit():
        try:
            answer = check.check(database.session(), form.identifier.data, form.kind.data or None)
        except check.CheckError as exc:
            form.identifier.errors = [str(exc)]
            status = 400
        except MatchingKeyUnavailable:
            form.identifier.errors = ["Checking is not possible just now. Try again later."]
            status = 503
    elif form.is_submitted():
        status = 400
    return render_template("matching/check.html", form=form, answer=answer, not_safe=check.NOT_SAFE), status
