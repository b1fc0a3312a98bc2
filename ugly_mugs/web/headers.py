"""Security headers on every response, error pages and static files included."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()",
    # Nothing is cached, so a shared or inspected phone keeps no copy of any page.
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


_CACHE_ATTRIBUTE = "_ugly_mugs_cache_control"


def allow_caching(response: Response, cache_control: str) -> None:
    """Let this one response be cached as said (e.g. a feed a reader polls); every other is no-store."""
    setattr(response, _CACHE_ATTRIBUTE, cache_control)


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        cache_control = getattr(response, _CACHE_ATTRIBUTE, None)
        if cache_control:
            response.headers["Cache-Control"] = cache_control
            del response.headers["Pragma"]
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
