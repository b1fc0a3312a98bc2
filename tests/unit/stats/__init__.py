"""Unit tests of stats."""
