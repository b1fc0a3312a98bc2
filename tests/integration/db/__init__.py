"""Integration tests of the schema: migrations against the models, down and up with data."""
