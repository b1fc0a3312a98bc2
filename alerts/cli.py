"""``flask --app wsgi alerts dispatch``: run the delivery worker once or in a loop;
``alerts retry-failed``: queue failed deliveries again, one project's or all."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

from alerts.delivery.channels import ChannelSettingsError
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from ugly_mugs.ops import logs, scheduler


@click.group("alerts", cls=AppGroup, help="Deliver published alerts to the projects' channels.")
def alerts_group() -> None:
    pass


@alerts_group.command(
    "dispatch",
    help="Send the pending deliveries of the outbox to the projects' channels. --once sends what is due "
    "and exits; --loop keeps running (stop it with SIGTERM or Ctrl-C: it finishes the message in hand). "
    "Several workers may run at once on PostgreSQL; on SQLite run one. With --loop it keeps running through "
    "database and SMTP outages, trying again with a growing pause.",
)
@click.option("--once", "mode", flag_value="once", default=True, help="Send what is due now, then exit (default).")
@click.option("--loop", "mode", flag_value="loop", help="Keep running, looking for new deliveries.")
@click.option(
    "--idle-seconds",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="With --loop: how long to wait before looking again when nothing is due.",
)
def dispatch(mode: str, idle_seconds: float) -> None:
    logs.configure(current_app.config["LOG_FORMAT"])
    try:
        settings = dispatch_settings(current_app.config)
    except ChannelSettingsError as exc:
        raise click.ClickException(str(exc)) from None
    worker = Dispatcher(current_app.extensions["ugly_mugs.sessionmaker"], settings)
    # SIGTERM and Ctrl-C let the message in hand finish and be marked, then stop.
    previous = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if mode == "loop":
            click.echo(f"dispatch worker {worker.worker_id} running; stop with SIGTERM")
            # Between rounds, the worker also runs retention and the purges erasures leave due
            # (one worker at a time, by lease: ugly_mugs.ops.scheduler).
            ticker = scheduler.Ticker(
                current_app.extensions["ugly_mugs.sessionmaker"], current_app.config, worker.worker_id
            )
            tally = worker.run_forever(idle_seconds, between=ticker)
        else:
            tally = worker.run_once()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"{tally.delivered} delivered, {tally.retrying} to retry, {tally.failed} failed")


@alerts_group.command(
    "retry-failed",
    help="Queue failed deliveries again with a fresh count of tries, e.g. after an outage that outlasted the "
    "retries: those of one project (--project NAME) or of every project (--all). Prints how many.",
)
@click.option("--project", "project_name", metavar="NAME", help="Only this project's failed deliveries.")
@click.option("--all", "every", is_flag=True, help="The failed deliveries of every project.")
def retry_failed(project_name: str | None, every: bool) -> None:
    from ugly_mugs.projects import service

    if bool(project_name) == every:
        raise click.UsageError("give either --project NAME or --all")
    with current_app.extensions["ugly_mugs.sessionmaker"]() as session:
        project_id = None
        if project_name:
            project = service.project_named(session, project_name)
            if project is None:
                raise click.ClickException(f"no project is called {project_name!r}")
            project_id = project.id
        count = service.retry_failed(session, project_id, None)
        session.commit()
    click.echo(f"{count} failed deliveries queued again")
