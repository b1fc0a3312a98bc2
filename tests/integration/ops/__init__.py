"""Integration tests of running the scheme: the deploy kit, graceful reload, metrics, PgBouncer, shared limits."""
