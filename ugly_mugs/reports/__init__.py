"""Reports: their sections and fields, filing, the reporter's return visits, reading, erasure.

No Flask imports. ``sections`` encrypts and seals, ``filing`` stores a new report,
``receipts`` serves her return visits, ``reading`` opens sections with a group key,
``erasure`` destroys one; ``status`` and ``reporter_types`` are the plain codes and labels.
"""
