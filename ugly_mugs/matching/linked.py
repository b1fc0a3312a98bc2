"""The linked-reports box of a coordinator's report page: the report's identifiers that other
reports share, named when the coordinator opened the report, and the picture of the links.
No Flask imports; nothing here returns report content beyond what the caller already opened."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ugly_mugs.matching import graph, links, reveal
from ugly_mugs.matching.index import MatchingKeyUnavailable
from ugly_mugs.reports import reading


@dataclass(frozen=True)
class LinkedReports:
    """``shared``: each identifier of the report found in other reports (``label`` set only when
    the report was opened); ``picture``: positions for the SVG, or None when nothing is shared."""

    shared: list[links.Shared]
    picture: graph.Picture | None


def linked_reports(session: Session, report_id: str, opened: reading.Opened | None = None) -> LinkedReports:
    """The box for ``report_id``. With ``opened`` (the sections the coordinator just opened, an
    audited read), each identifier is labelled as written there; without the matching key the
    labels are left out rather than failing the page."""
    shared = links.links_for(session, report_id)
    if opened:
        try:
            named = reveal.labels(session, opened.sections.get("perpetrator", []))
        except MatchingKeyUnavailable:
            named = {}
        for item in shared:
            item.label = named.get((item.kind, item.digest), "")
    return LinkedReports(shared=shared, picture=graph.picture(shared))
