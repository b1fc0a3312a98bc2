"""Unit tests of the disclosure guard (ugly_mugs/disclosure)."""
