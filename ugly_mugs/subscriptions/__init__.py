"""Individual subscriptions to alerts by text message or email (no Flask here).

- ``contact``: a typed number or address, checked and normalised (mobile numbers only);
- ``service``: sign-up, verification code, stop, the inactivity sweep and the counts staff see.

Her number or address is sealed to the dispatch public key (only the sending worker holds the
private half) and found again only through a keyed blind index under the subscriber key.
"""
