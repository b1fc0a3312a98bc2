"""Integration tests of ugly_mugs/reporting (through the Flask test client or the real worker)."""
