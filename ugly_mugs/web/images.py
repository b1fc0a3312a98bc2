"""Answering with a photo of a report: the decrypted JPEG bytes with headers that keep them from
being cached, sniffed into something else, embedded elsewhere or run as a page."""

from __future__ import annotations

from flask import Response

from ugly_mugs.reports import photos


def photo_response(data: bytes, filename_stem: str) -> Response:
    """``data`` (cleaned JPEG bytes, ``reports.photos``) as a download shown inline, never cached.

    ``filename_stem`` is made of the report reference and the photo's name and number only."""
    safe = "".join(c for c in filename_stem if c.isascii() and (c.isalnum() or c in "-_")) or "photo"
    return Response(
        data,
        200,
        {
            "Content-Type": photos.OUTPUT_MEDIA_TYPE,
            "Content-Disposition": f'inline; filename="{safe}.{photos.OUTPUT_EXTENSION}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store, max-age=0",
            "Pragma": "no-cache",
            # A decrypted photo is for this page's reader only: no other site may embed it.
            "Cross-Origin-Resource-Policy": "same-origin",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
