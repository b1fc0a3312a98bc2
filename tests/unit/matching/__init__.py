"""Unit tests of matching."""
