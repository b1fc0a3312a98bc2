"""What every alert channel provides: the ``Channel`` protocol, the errors it raises, and what it is given.

A channel is one kind of destination (``"email"``, ``"webhook"``…). It says four things:

- **what a destination looks like** — the one field a person types it into on a project's page
  (``field``), how that input is checked and normalised (``check_target``), and whether the
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
  encodes a message once per language);
- **what a failure is**: ``send`` raises ``DeliveryFailed`` with a short reason safe to store
  and show (a status code, an exception's class name; never an address or message text);
  ``permanent=True`` when trying again cannot help, so the delivery is failed at once instead
  of being retried with backoff.

No Flask here: forms are built from ``TargetField`` by the projects face, and the dispatch
worker drives transports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from alerts.delivery.render import Published
from alerts.delivery.wording import Wording


class DeliveryFailed(Exception):
    """This delivery did not go through; ``reason`` says why in words safe to store and show.

    ``permanent`` marks a failure that no retry can cure: the delivery is failed at once.
    """

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent


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
class Outgoing:
    """One delivery as a channel sees it: where it goes, and what it says in which wording."""

    delivery_id: int
    target: str
    secret: str | None
    message: Published
    words: Wording


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

    def check_target(self, raw: str) -> str:
        """The destination as stored, from what a person typed; ``ChannelInputError`` if unusable."""

    def new_secret(self) -> str:
        """A fresh signing secret (only called when ``has_secret``)."""

    def configure(self, config: Mapping[str, Any]) -> Any:
        """This channel's settings from the app's configuration; ``ChannelSettingsError`` if unusable."""

    def open(self, settings: Any) -> Transport:
        """A transport for one batch, using what ``configure`` returned."""


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def valid_hostname(host: str) -> bool:
    """A DNS name of letters, digits and hyphens (or a dotted IPv4 address), as RFC 1123 allows."""
    if not host or len(host) > 253:
        return False
    labels = host.lower().rstrip(".").split(".")
    return all(_LABEL.match(label) for label in labels)
