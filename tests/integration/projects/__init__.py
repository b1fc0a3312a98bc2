"""Integration tests of ugly_mugs/projects (through the Flask test client or the real worker)."""
