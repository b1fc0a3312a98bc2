"""A report form whose photos together pass PHOTO_REQUEST_BYTES keeps no photo's bytes: every
photo part of the request is emptied (``web.boundary``), the second and third of one field name
as much as the first, and what she typed is kept."""

from __future__ import annotations

import io

from flask import request

MB = 1024 * 1024


def test_every_photo_of_an_over_limit_form_is_emptied(app):
    app.config["PHOTO_REQUEST_BYTES"] = 2 * MB
    data = {
        "what_happened": "He followed me from the bus station.",
        "photo": [(io.BytesIO(b"\xff\xd8" + b"\1" * MB), f"p{n}.jpg") for n in range(3)],
    }
    with app.test_request_context("/report", method="POST", data=data, content_type="multipart/form-data"):
        assert request.form["what_happened"] == "He followed me from the bus station."
        assert request.photos_over_limit
        kept = [len(upload.stream.getvalue()) for upload in request.files.getlist("photo")]
    assert kept == [0, 0, 0]
