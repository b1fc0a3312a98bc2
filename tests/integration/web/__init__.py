"""Integration tests of ugly_mugs/web (through the Flask test client or the real worker)."""
