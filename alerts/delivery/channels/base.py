"""What every alert channel provides: the ``Channel`` protocol, the errors it raises, and what it is given.

A channel is one kind of destination (``"email"``, ``"webhook"``…). It says four things:

- **what a destination looks like** — the one field a person types it into on a project's page
  (``field``), how that input is checked and normalised (``check_target``, given the app's
  configuration for the rules that depend on it), which remote end it is (``destination``: the
  worker sends to different destinations at once and backs a failing one off on its own), and whether the
  destination has a signing secret made on creation, shown once and renewable (``has_secret``,
  ``new_secret``); the result is stored on a ``ProjectChannel`` row as ``kind``, ``target`` and
  ``secret``;
- **what it needs from the configuration** (``configure``: the app's configuration mapping in,
  the channel's own settings out, ``ChannelSettingsError`` if they cannot be used — checked once
  when the worker starts);
- **how a delivery is rendered and sent** (``open``: a ``Transport`` for one batch, whose
  ``send`` turns one ``Outgoing`` — the published message in the receiving project's wording —
  into the channel's own format and sends it). A transport lives for one batch, so sends to the
  same remote end can share a connection (email keeps one SMTP connection for the batch and
  encodes a message once per language). Optionally, a channel whose transport can carry several
  deliveries of one message in one wording at once says how many (``max_group(settings)``), and
  its transport has ``send_group(outgoings)`` returning, per delivery, None or its own
  ``DeliveryFailed`` (raising ``DeliveryFailed`` when none went): email sends them as one SMTP
  transaction;
- **what a failure is**: ``send`` raises ``DeliveryFailed`` with a short reason safe to store
  and show (a status code, an exception's class name; never an address or message text);
  ``permanent=True`` when trying again cannot help, so the delivery is failed at once instead
  of being retried with backoff; ``scope`` says what the failure tells about the rest: only
  this delivery (a refused mailbox), its destination (a webhook that answers 500: its other
  deliveries wait too), or the whole channel (the SMTP relay is down: every email waits).
  Any other exception a transport raises is caught by the worker and recorded the same way,
  by its class name, so no destination can stop the worker.

No Flask here: forms are built from ``TargetField`` by the projects face, and the dispatch
worker drives transports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from alerts.delivery.render import Published
from alerts.delivery.wording import Wording

# What a failure says about other deliveries (``DeliveryFailed.scope``).
SCOPE_DELIVERY = "delivery"  # only this one: e.g. one mailbox refused
SCOPE_DESTINATION = "destination"  # its destination is failing: back it off, others go on
# The channel's own transport is down (the SMTP relay): back off every destination of the kind.
SCOPE_CHANNEL = "channel"
SCOPES = (SCOPE_DELIVERY, SCOPE_DESTINATION, SCOPE_CHANNEL)


class DeliveryFailed(Exception):
    """This delivery did not go through; ``reason`` says why in words safe to store and show.

    ``permanent`` marks a failure that no retry can cure: the delivery is failed at once.
    ``scope`` (``SCOPE_DELIVERY``, ``SCOPE_DESTINATION`` or ``SCOPE_CHANNEL``) says how far the failure reaches.
    """

    def __init__(self, reason: str, permanent: bool = False, scope: str = SCOPE_DESTINATION):
        super().__init__(reason)
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        self.reason = reason[:500]
        self.permanent = permanent
        self.scope = scope


class ChannelInputError(ValueError):
    """A destination typed on a project's page cannot be used; the message says why, for that person."""


class ChannelSettingsError(ValueError):
    """A channel's configuration cannot be used; the message names the ``UGLY_MUGS_*`` variable."""


@dataclass(frozen=True)
class TargetField:
    """The one input a destination is typed into (an HTML text input of ``input_type``).

    ``name`` is the form field's name (and the element's id), so it must differ between
    channels shown on the same page.
    """

    name: str
    label: str
    input_type: str
    max_length: int
    required_message: str
    hint: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """What a delivery to an individual subscriber adds (``Outgoing.subscriber``).

    ``notice``: None for an alert message, else ``"code"`` (``payload`` is her verification code),
    ``"help"`` or ``"stopped"`` (the confirmation that her subscription ended); ``alert_link``:
    the signed, expiring link to the full alert (for an alert); ``stop_url``: the signed stop link
    (an email's footer); ``help_url``: the stop page; ``reference``: what the gateway's delivery
    reports name this delivery by (signed); ``subscribe_url``: the sign-up page."""

    notice: str | None
    payload: str | None
    alert_link: str | None
    stop_url: str | None
    help_url: str
    reference: str
    subscribe_url: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One delivery as a channel sees it: where it goes, and what it says in which wording.

    ``message`` is None only for a subscriber's notice (``subscriber.notice``)."""

    delivery_id: int
    target: str
    secret: str | None
    message: Published | None
    words: Wording
    subscriber: Subscriber | None = None


@runtime_checkable
class Transport(Protocol):
    """Sends the deliveries of one batch for one channel; closed when the batch ends."""

    def send(self, outgoing: Outgoing) -> None:
        """Render and send one delivery; ``DeliveryFailed`` when it did not go through."""

    def close(self) -> None:
        """Let go of any connection; safe to call twice."""


@runtime_checkable
class Channel(Protocol):
    """One kind of destination, registered with ``alerts.delivery.channels.register``."""

    # Stored in ProjectChannel.kind and Delivery.kind: lower case, at most 16 characters.
    kind: str
    # What a destination of this kind is called on pages ("Email address").
    label: str
    # The heading and button that add one to a project ("Add an email address").
    add_label: str
    field: TargetField
    has_secret: bool

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        """The destination as stored, from what a person typed; ``ChannelInputError`` if unusable.

        ``config`` is the app's configuration mapping (rules that depend on the installation)."""

    def destination(self, target: str) -> str:
        """The remote end a stored ``target`` is sent to (deliveries to one destination go one
        after another and are backed off together; different destinations go at once)."""

    def new_secret(self) -> str:
        """A fresh signing secret (only called when ``has_secret``)."""

    def configure(self, config: Mapping[str, Any]) -> Any:
        """This channel's settings from the app's configuration; ``ChannelSettingsError`` if unusable."""

    def open(self, settings: Any) -> Transport:
        """A transport for one batch, using what ``configure`` returned."""
