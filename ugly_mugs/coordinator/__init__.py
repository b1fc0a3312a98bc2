"""Coordinators' pages: the triage inbox, opening a report for a reason, status and case notes,
passing it to police, consent by phone, and writing, publishing, updating and retracting alerts."""
