"""Unit tests of auth."""
