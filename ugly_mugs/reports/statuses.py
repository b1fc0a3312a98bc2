"""A report's place in the workflow: the status codes, what staff and the reporter read for
each, and which of them a coordinator may set by hand. No Flask imports."""

from __future__ import annotations

from ugly_mugs.catalog import N_

RECEIVED = "received"
REVIEWED = "reviewed"
ALERT_PUBLISHED = "alert_published"
PASSED_TO_POLICE = "passed_to_police"
# Set by a coordinator when nothing more is to be done.
CLOSED = "closed"
# Erased (by the reporter, two coordinators or retention): only plain metadata is left.
ERASED = "erased"

# Every status, in workflow order.
ALL = (RECEIVED, REVIEWED, ALERT_PUBLISHED, PASSED_TO_POLICE, CLOSED, ERASED)
# What the triage inbox shows by default.
OPEN = (RECEIVED, REVIEWED, ALERT_PUBLISHED, PASSED_TO_POLICE)
# What a coordinator may set by hand; publishing an alert and passing to police set their own.
SETTABLE = (RECEIVED, REVIEWED, CLOSED)

# What staff pages, exports and the monitoring figures call each status.
LABELS: dict[str, str] = {
    RECEIVED: "Received, not yet reviewed",
    REVIEWED: "Reviewed, being worked on",
    ALERT_PUBLISHED: "Alert published",
    PASSED_TO_POLICE: "Passed to police",
    CLOSED: "Closed, nothing more to do",
    ERASED: "Deleted",
}

# What the reporter reads on her receipt page and in the API (translated where shown).
REPORTER_TEXT: dict[str, str] = {
    RECEIVED: N_("We have your report. A caseworker will look at it soon."),
    REVIEWED: N_("A caseworker has looked at your report."),
    ALERT_PUBLISHED: N_("A warning has been sent to other workers and projects."),
    PASSED_TO_POLICE: N_("Your report has been passed to the police, as you agreed."),
}
POLICE_RECEIVED_TEXT = N_("The police have received your report.")


def reporter_text(status: str, police_received: bool) -> str:
    """The sentence the reporter reads for ``status`` (untranslated): closed reports read as received."""
    if police_received:
        return POLICE_RECEIVED_TEXT
    return REPORTER_TEXT.get(status, REPORTER_TEXT[RECEIVED])
