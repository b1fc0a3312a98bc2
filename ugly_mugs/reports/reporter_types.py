"""Who filed a report: the person it happened to, an outreach worker for her, or someone else
for her. No Flask imports."""

from __future__ import annotations

SELF = "self"
OUTREACH = "outreach"
THIRD_PARTY = "third_party"

ALL = (SELF, OUTREACH, THIRD_PARTY)

# What staff pages and the monitoring figures call each.
LABELS: dict[str, str] = {
    SELF: "The person it happened to",
    OUTREACH: "An outreach worker, for them",
    THIRD_PARTY: "Someone else, for them",
}
