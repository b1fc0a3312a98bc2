"""Reports: their sections and fields, filing, the reporter's return visits, reading, erasure.

No Flask imports. ``fields`` declares the report's fields once (every form, the API, alert
prefill and matching read it); ``intake`` checks answers against it and makes the report to
file; ``text`` cleans what was typed. ``sections`` encrypts and seals, ``filing`` stores a new report,
``receipts`` serves her return visits, ``reading`` opens sections with a group key,
``withholding`` keeps what locates or contacts her in the identity section whichever field she
typed it into (``reclassify`` does it for reports stored before), ``erasure`` destroys one;
``status`` and ``reporter_types`` are the plain codes and labels.
"""
