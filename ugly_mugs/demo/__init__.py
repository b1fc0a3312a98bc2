"""The demonstration a newcomer runs with ``make run``: example data (``seed``), and the
processes it serves (``serve``: the web server, the alert worker and a local mail sink,
``mailsink``). Development only: the command line refuses both in production mode."""
