"""Integration tests of ugly_mugs/police (through the Flask test client or the real worker)."""
