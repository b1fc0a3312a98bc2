"""A new alert channel is one module and its registration: nothing else is edited.

Everything a channel needs is in this file — two test-only channels that write each delivery
into a notebook (one with a signing secret, one without) — registered in a fixture. The project
page offers them, adds them with their own checks, shows and renews the secret; publishing fills
the outbox; the unedited dispatch worker renders and sends through them, marks each delivery,
retries a retryable failure and fails a permanent one at once; the unedited ``alerts dispatch``
command reports their unusable settings. A kind nobody registered neither crashes the worker nor
the page.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from alerts.delivery import channels, render
from alerts.delivery.channels import (
    ChannelInputError,
    ChannelSettingsError,
    DeliveryFailed,
    Outgoing,
    TargetField,
)
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import channel_secret, make_project, publish_message
from tests.support.app import make_app
from tests.support.staff import create, csrf, login
from ugly_mugs.models import AuditEntry, Delivery, ProjectChannel


@dataclass
class Written:
    shelf: str
    page: str
    secret: str | None
    message_id: str
    language: str
    text: str


@dataclass
class Notebook:
    """The whole of a channel: destinations are page names; a delivery is written onto its page."""

    kind: str = "notebook"
    label: str = "Notebook page"
    add_label: str = "Add a notebook page"
    field: TargetField = TargetField(
        name="page", label="Page name", input_type="text", max_length=40, required_message="Name the page."
    )
    has_secret: bool = False
    written: list[Written] = dataclasses.field(default_factory=list)
    opened: int = 0
    closed: int = 0

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        page = raw.strip().lower()
        if not page.isalnum():
            raise ChannelInputError("Use letters and digits only.")
        return page

    def destination(self, target: str) -> str:
        return target

    def new_secret(self) -> str:
        return secrets.token_hex(16)

    def configure(self, config: Mapping[str, Any]) -> str:
        shelf = str(config.get("NOTEBOOK_SHELF", "top"))
        if shelf == "missing":
            raise ChannelSettingsError("UGLY_MUGS_NOTEBOOK_SHELF: there is no such shelf")
        return shelf

    def open(self, settings: str) -> Pen:
        self.opened += 1
        return Pen(self, settings)


@dataclass
class Pen:
    notebook: Notebook
    shelf: str

    def send(self, outgoing: Outgoing) -> None:
        if outgoing.target == "torn":
            raise DeliveryFailed("page torn out", permanent=True)
        if outgoing.target == "wet":
            raise DeliveryFailed("ink still wet")
        self.notebook.written.append(
            Written(
                self.shelf,
                outgoing.target,
                outgoing.secret,
                outgoing.message.message_id,
                outgoing.words.locale,
                render.text(outgoing.message, outgoing.words),
            )
        )

    def close(self) -> None:
        self.notebook.closed += 1


@pytest.fixture
def notebook():
    channel = channels.register(Notebook())
    try:
        yield channel
    finally:
        channels.unregister(channel.kind)


@pytest.fixture
def ledger():
    """A second test channel, whose destinations carry a signing secret."""
    channel = channels.register(
        Notebook(
            kind="ledger",
            label="Ledger",
            add_label="Add a ledger",
            field=TargetField("ledger", "Ledger name", "text", 40, "Name the ledger."),
            has_secret=True,
        )
    )
    try:
        yield channel
    finally:
        channels.unregister(channel.kind)


@pytest.fixture
def manager(app, passphrase, clock):
    user = create(app, "coord", "coordinator")
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def worker(app, **config) -> Dispatcher:
    # Nothing here sends email; an SMTP relay that is never reached is enough.
    settings = dispatch_settings({**app.config, "SMTP_URL": "smtp://127.0.0.1:9", **config})
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], settings)


def deliveries(db_session) -> dict[str, Delivery]:
    db_session.expire_all()
    rows = db_session.execute(
        select(ProjectChannel.target, Delivery).join(Delivery, Delivery.channel_id == ProjectChannel.id)
    )
    return {target: delivery for target, delivery in rows}


def test_registered_channel_is_offered_added_and_delivered_to(app, db_session, manager, notebook):
    project = make_project(db_session, "Basis", areas=["holbeck"], language="ro")
    db_session.commit()
    page = manager.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Add a notebook page" in page and f'action="/projects/{project.id}/channels/notebook"' in page
    assert "Add an email address" in page and "Add a webhook" in page  # the built-in ones still there
    token = csrf(manager, f"/projects/{project.id}")

    for bad, message in (
        ("", "Name the page."),
        ("two words", "Use letters and digits only."),
        ("x" * 41, "At most 40"),
    ):
        response = manager.post(f"/projects/{project.id}/channels/notebook", data={"page": bad, "csrf_token": token})
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "There is a problem" in text and message in text, bad
        if bad:
            assert f'value="{bad}"' in text  # what was typed is shown back
    response = manager.post(
        f"/projects/{project.id}/channels/notebook", data={"page": " Kitchen ", "csrf_token": token}
    )
    assert response.status_code == 302
    channel = db_session.scalar(select(ProjectChannel).where(ProjectChannel.project_id == project.id))
    assert (channel.kind, channel.target, channel.secret_sealed, channel.active) == ("notebook", "kitchen", None, True)
    response = manager.post(f"/projects/{project.id}/channels/notebook", data={"page": "kitchen", "csrf_token": token})
    assert response.status_code == 400 and "already receives" in response.get_data(as_text=True)
    # No secret, so no "New secret" button, and asking for one anyway is refused.
    assert "New secret" not in manager.get(f"/projects/{project.id}").get_data(as_text=True)
    response = manager.post(f"/projects/{project.id}/channels/{channel.id}/new-secret", data={"csrf_token": token})
    assert response.status_code == 404

    message = publish_message(db_session, ["holbeck"], "Silver car", "He offers lifts near the canal.")
    tally = worker(app, NOTEBOOK_SHELF="blue").run_once()

    assert (tally.delivered, tally.retrying, tally.failed) == (1, 0, 0)
    [written] = notebook.written
    assert (written.shelf, written.page, written.secret) == ("blue", "kitchen", None)
    assert (written.message_id, written.language) == (message.message_id, "ro")
    assert "He offers lifts near the canal." in written.text and "Silver car" in written.text
    assert (notebook.opened, notebook.closed) == (1, 1)  # one transport for the batch, closed after it
    delivery = deliveries(db_session)["kitchen"]
    assert (delivery.kind, delivery.status, delivery.attempts) == ("notebook", "delivered", 1)
    assert delivery.delivered_at is not None and delivery.leased_by is None and delivery.last_error is None


def test_a_channel_with_a_secret_shows_it_once_renews_it_and_sends_it(app, db_session, manager, ledger):
    project = make_project(db_session, "Basis", areas=["holbeck"])
    db_session.commit()
    token = csrf(manager, f"/projects/{project.id}")
    response = manager.post(f"/projects/{project.id}/channels/ledger", data={"ledger": "accounts", "csrf_token": token})
    assert response.status_code == 200
    channel = db_session.scalar(select(ProjectChannel).where(ProjectChannel.project_id == project.id))
    first = channel_secret(db_session, channel)
    assert first and first in response.get_data(as_text=True)
    assert first.encode() not in channel.secret_sealed  # stored sealed, never as it is
    page = manager.get(f"/projects/{project.id}").get_data(as_text=True)
    assert first not in page and "New secret" in page
    response = manager.post(f"/projects/{project.id}/channels/ledger", data={"ledger": "accounts", "csrf_token": token})
    assert response.status_code == 400 and "give it a new secret" in response.get_data(as_text=True)

    response = manager.post(f"/projects/{project.id}/channels/{channel.id}/new-secret", data={"csrf_token": token})
    renewed = channel_secret(db_session, channel)
    assert renewed != first and renewed in response.get_data(as_text=True)
    audit = json.dumps([(e.action, e.detail) for e in db_session.scalars(select(AuditEntry))])
    assert "project_ledger_secret_renewed" in audit
    assert first not in audit and renewed not in audit and "accounts" not in audit

    publish_message(db_session, ["holbeck"], "Silver car", "Body")
    assert worker(app).run_once().delivered == 1
    [written] = ledger.written
    assert (written.shelf, written.page, written.secret) == ("top", "accounts", renewed)


def test_retryable_and_permanent_failures_of_a_registered_channel(app, db_session, passphrase, notebook):
    project = make_project(db_session, "Basis", areas=["holbeck"])
    for page in ("fine", "wet", "torn"):
        db_session.add(ProjectChannel(project_id=project.id, kind=notebook.kind, target=page))
    db_session.commit()
    publish_message(db_session, ["holbeck"], "Title", "Body")

    tally = worker(app).run_once()

    assert (tally.delivered, tally.retrying, tally.failed) == (1, 1, 1)
    rows = deliveries(db_session)
    assert (rows["fine"].status, rows["fine"].attempts) == ("delivered", 1)
    assert (rows["wet"].status, rows["wet"].attempts, rows["wet"].last_error) == ("pending", 1, "ink still wet")
    assert rows["wet"].next_attempt_at > rows["fine"].delivered_at  # backed off, not due again at once
    # Permanent: failed after its first try, waiting on the failed-deliveries page.
    assert (rows["torn"].status, rows["torn"].attempts, rows["torn"].last_error) == ("failed", 1, "page torn out")
    assert [w.page for w in notebook.written] == ["fine"]


def test_a_kind_nobody_registered_is_retried_and_the_page_still_works(app, db_session, manager, notebook):
    project = make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    db_session.add(ProjectChannel(project_id=project.id, kind=notebook.kind, target="kitchen"))
    db_session.commit()
    publish_message(db_session, ["holbeck"], "Title", "Body")
    channels.unregister(notebook.kind)  # say, a plug-in that is no longer installed

    tally = worker(app).run_once()

    rows = deliveries(db_session)
    assert (rows["kitchen"].status, rows["kitchen"].attempts) == ("pending", 1)
    assert rows["kitchen"].last_error == "unknown channel kind 'notebook'"
    assert tally.claimed == 2  # and the email delivery beside it was tried as usual
    page = manager.get(f"/projects/{project.id}")
    assert page.status_code == 200 and "kitchen" in page.get_data(as_text=True)
    assert "Add a notebook page" not in page.get_data(as_text=True)
    token = csrf(manager, f"/projects/{project.id}")
    assert (
        manager.post(f"/projects/{project.id}/channels/notebook", data={"page": "x", "csrf_token": token}).status_code
        == 404
    )
    channel_id = rows["kitchen"].channel_id
    assert (
        manager.post(f"/projects/{project.id}/channels/{channel_id}/new-secret", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        manager.post(f"/projects/{project.id}/channels/{channel_id}/off", data={"csrf_token": token}).status_code == 302
    )


def test_unusable_channel_settings_stop_the_dispatch_command_with_their_name(database_url, notebook):
    worker_app = make_app(database_url, NOTEBOOK_SHELF="missing")
    try:
        result = worker_app.test_cli_runner().invoke(args=["alerts", "dispatch", "--once"])
    finally:
        worker_app.extensions["ugly_mugs.engine"].dispose()
    assert result.exit_code != 0
    assert re.search(r"UGLY_MUGS_NOTEBOOK_SHELF: there is no such shelf", result.output)
