"""Integration tests of ugly_mugs/reports (the field declaration, validation, filing)."""
