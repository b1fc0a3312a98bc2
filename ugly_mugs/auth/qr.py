"""QR codes for enrolling an authenticator, drawn on the server as inline SVG (no script, no outside service)."""

from __future__ import annotations

import io

import segno


def svg(data: str) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False, svgns=True, title="QR code for your authenticator app"
    )
    return buffer.getvalue().decode("utf-8")
