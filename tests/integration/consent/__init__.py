"""Integration tests of ugly_mugs/consent (through the Flask test client or the real worker)."""
