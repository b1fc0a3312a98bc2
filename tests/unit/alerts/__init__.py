"""Unit tests of alerts/ (rendering, the anonymity check, channels, SMS)."""
