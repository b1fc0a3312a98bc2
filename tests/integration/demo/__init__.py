"""Integration tests of ugly_mugs/demo (through the Flask test client or the real worker)."""
