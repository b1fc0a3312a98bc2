"""Integration tests of ugly_mugs/staff (through the Flask test client or the real worker)."""
