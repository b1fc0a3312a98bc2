"""Monitoring figures for the partnership, counted from plain columns only.

``queries`` counts with SQL GROUP BY on the report's plain columns (never decrypting),
``periods`` turns a period picker choice into dates and buckets, ``suppression`` hides
small counts and whatever would let them be worked out, ``figures`` assembles the tables
and headline sentences of one period, ``charts`` draws them as SVG, and ``export`` writes
CSV and PDF. Nothing here imports Flask; ``views`` is the thin web face.
"""
