"""Integration tests of ugly_mugs/matching (through the Flask test client or the real worker)."""
