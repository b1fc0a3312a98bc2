"""Integration tests of ugly_mugs/keys (through the Flask test client or the real worker)."""
