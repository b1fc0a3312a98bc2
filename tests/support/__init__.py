"""Helpers the tests share (conftest.py keeps only fixtures): building the app, staff logins,
real SMTP, HTTP and Kannel peers, scanning raw database files, reading the source."""
