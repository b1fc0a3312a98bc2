"""The ways a message reaches a project: email over SMTP and signed webhooks (no Flask).

A channel raises ``DeliveryFailed`` with a short reason fit for the failed-deliveries page (an
SMTP or HTTP status, a connection error), never with the message or the address in it.
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    """This delivery did not go through; ``reason`` says why in words safe to store and show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:500]
