"""``POST /api/v1/check``: a project's app checks an identifier against the published alerts.

Authenticated by the project's bearer token (only its SHA-256 is stored). A missing, wrong or
revoked token gets one and the same 401, so the answer never tells which it was. The value
checked is never logged; only the published alerts' text goes back. Each project's token may
make CHECK_API_LIMIT checks per window (429 with Retry-After beyond that).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ugly_mugs.matching import check
from ugly_mugs.matching.index import MatchingKeyUnavailable
from ugly_mugs.web import boundary, database, localtime, throttling
from ugly_mugs.web.access import public
from ugly_mugs.web.errors import problem

bp = Blueprint("check_api", __name__, url_prefix="/api/v1")


def _problem(status: int, message: str, fields: dict | None = None):
    """An RFC 9457 problem object (``web.errors.problem``), with the note that no warning is
    not a sign of safety as an extension member."""
    return problem(status, message, fields, note=check.NOT_SAFE)


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.post("/check")
@public  # the project's bearer token is checked here: partner apps have no staff session
def check_identifier():
    db = database.session()
    project = check.project_for_token(db, _bearer())
    if project is None:
        response = _problem(401, "A valid project token is needed: Authorization: Bearer <token>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="check"'
        return response
    refused = throttling.check_api_refused(project.id)
    db.commit()
    if refused is not None:
        return _problem(429, f"Too many checks for now. Try again in {refused} seconds.")
    body, refused = boundary.json_object()
    if refused:
        return _problem(*refused)
    unknown = set(body) - {"identifier", "kind"}
    if unknown:
        return _problem(422, "Some fields are not right.", {k: ["This field is not known."] for k in sorted(unknown)})
    kind = body.get("kind")
    if kind is not None and not isinstance(kind, str):
        return _problem(422, "Some fields are not right.", {"kind": ["This must be text."]})
    try:
        # An empty kind is not "any kind": the document lists the kinds, and a partner app that sends
        # "" has a bug to hear about (422), not a guess.
        answer = check.check(db, body.get("identifier"), kind)
    except check.CheckError as exc:
        field = "kind" if exc.code == "kind" else "identifier"
        return _problem(422, "Some fields are not right.", {field: [str(exc)]})
    except MatchingKeyUnavailable:
        current_app.logger.error("a check could not be answered: the matching key is not available")
        return _problem(503, "Checking is not possible just now. Try again later.")
    return jsonify(
        {
            "warnings": answer.count > 0,
            "count": answer.count,
            # The local day (UGLY_MUGS_TIMEZONE), as every day the scheme shows.
            "latest": answer.latest.astimezone(localtime.zone()).date().isoformat() if answer.latest else None,
            "alerts": [
                {
                    "reference": a.reference,
                    "severity": a.severity,
                    "title": a.title,
                    "body": a.body,
                    "areas": a.areas,
                    "published_at": a.published_at.isoformat(),
                    "updates": [
                        {"title": u.title, "body": u.body, "published_at": u.published_at.isoformat()}
                        for u in a.updates
                    ],
                }
                for a in answer.alerts
            ],
            "note": check.NOT_SAFE,
        }
    )
