"""Integration tests of ugly_mugs/coordinator (through the Flask test client or the real worker)."""
