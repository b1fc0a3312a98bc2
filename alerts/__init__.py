"""Alerts: composing anonymised warnings from reports, checking them, and delivering them to projects.

Importable and usable without a Flask request: the dispatch worker and the command line use it too.
"""
