"""The ``ugly-mugs`` console command of an installed package: the flask command line with the
app preset (``ugly-mugs db upgrade`` is ``flask --app wsgi db upgrade``), plus ``serve``, which
becomes gunicorn with the project's settings (config/gunicorn.conf.py), so that systemd's main
process is gunicorn's master and ``systemctl reload`` (HUP) reloads it gracefully.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

import config as settings

GUNICORN_CONF = Path(settings.__file__).resolve().parent / "gunicorn.conf.py"


def _create_app():
    from ugly_mugs import create_app

    return create_app()


@click.command(
    "serve",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    help="Run the web app under gunicorn with config/gunicorn.conf.py (UGLY_MUGS_BIND, UGLY_MUGS_WORKERS …); "
    "extra arguments go to gunicorn. Reload gracefully with SIGHUP.",
)
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(gunicorn_args: tuple[str, ...]) -> None:
    argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *gunicorn_args, "wsgi:app"]
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and arguments, no shell


cli = FlaskGroup(
    name="ugly-mugs",
    create_app=_create_app,
    add_default_commands=False,
    help="Ugly Mugs: the same commands as `flask --app wsgi …`, and `serve`.",
)
cli.add_command(serve)


def main() -> None:
    cli.main(prog_name="ugly-mugs")
