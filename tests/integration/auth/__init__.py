"""Integration tests of ugly_mugs/auth (through the Flask test client or the real worker)."""
