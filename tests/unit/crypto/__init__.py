"""Unit tests of crypto."""
