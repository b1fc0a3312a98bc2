"""Integration tests of ugly_mugs/admin (through the Flask test client or the real worker)."""
