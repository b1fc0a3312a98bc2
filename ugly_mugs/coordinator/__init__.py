"""Coordinators' pages: the report list, opening a report for a reason, passing it to police, consent by phone."""
