"""Repeat perpetrators: blind indexes of the identifiers in reports, the links between reports
that share one, and the check of a number against published alerts.

``normalise`` (no Flask) makes spellings of one identifier equal; ``index`` keys them into
blind-index rows when a report is stored; ``links`` finds the reports that share them;
``check`` answers from published alerts only; ``rotate`` moves every row to a new matching key.
"""

from ugly_mugs.matching.links import linked_counts

__all__ = ["linked_counts"]
