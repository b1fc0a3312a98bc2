"""Integration tests of ugly_mugs/stats (through the Flask test client or the real worker)."""
