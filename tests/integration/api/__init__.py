"""Integration tests of ugly_mugs/api (through the Flask test client or the real worker)."""
