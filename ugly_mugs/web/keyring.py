"""The request's key ring: the logged-in person's personal key pair, unlocked at login and kept in
the server-side session, and the group keys it opens (DESIGN.md §4). The one place views get keys.

Every function answers for ``flask.g.account``; ``None`` means the person holds no usable copy
(not a member yet, or a copy that does not open), never an exception.
"""

from __future__ import annotations

from flask import session

from ugly_mugs.crypto import sealing
from ugly_mugs.keys import groups, keystore
from ugly_mugs.web import database
from ugly_mugs.web.access import current_account


def personal_key() -> sealing.KeyPair:
    """The logged-in person's own key pair, opened from the server-side session."""
    return sealing.key_pair_from_private(session.secrets()["personal"])


def _group_pair(group_key_id_of) -> sealing.KeyPair | None:
    db = database.session()
    account = current_account()
    if account is None:
        return None
    try:
        return groups.open_group_key(db, account.id, personal_key(), group_key_id_of(db, account))
    except (groups.GroupError, keystore.KeyUnavailable):
        return None


def scheme_pair() -> sealing.KeyPair | None:
    """The scheme key pair (coordinators), or None if this person holds no copy."""
    return _group_pair(lambda db, _account: keystore.scheme_key(db).id)


def unit_pair() -> sealing.KeyPair | None:
    """The key pair of the officer's own police unit, or None."""

    def unit_key_id(db, account) -> int:
        if account.police_unit_id is None:
            raise keystore.KeyUnavailable("not an officer of a unit")
        return keystore.unit_key(db, account.police_unit_id).id

    return _group_pair(unit_key_id)
