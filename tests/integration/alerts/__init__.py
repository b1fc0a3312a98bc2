"""Integration tests of alerts/ (authoring and delivery, with real SMTP, HTTP and Kannel peers)."""
