"""Gunicorn entry point: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

from ugly_mugs import create_app

app = create_app()
