"""JSON API under /api/v1/ for partner apps, described by /api/v1/openapi.json."""
