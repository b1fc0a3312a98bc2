"""Blind indexes of identifiers (ugly_mugs.crypto.blind_index).

Proves: the same value under the same kind and version always gives the same index (so
matching works); each kind and each key version gets its own key, so an index of one
kind or version never matches another; the index is keyed (not a plain hash anyone can
compute from a guessed phone number); a matching key shorter than 32 bytes and unknown
kinds are refused.
"""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from ugly_mugs.crypto import blind_index

MATCHING_KEY = bytes(range(32))
PHONE = "+447700900123"


def test_same_value_same_index():
    key = blind_index.kind_key(MATCHING_KEY, "phone", 1)
    first = blind_index.index(key, PHONE)
    assert blind_index.index(blind_index.kind_key(MATCHING_KEY, "phone", 1), PHONE) == first
    assert re.fullmatch("[0-9a-f]{64}", first)


def test_different_values_differ():
    key = blind_index.kind_key(MATCHING_KEY, "phone", 1)
    assert blind_index.index(key, PHONE) != blind_index.index(key, "+447700900124")


def test_kinds_have_different_keys_and_indexes():
    keys = {kind: blind_index.kind_key(MATCHING_KEY, kind, 1) for kind in blind_index.KINDS}
    assert set(blind_index.KINDS) == {"phone", "vehicle", "email", "username"}
    assert len(set(keys.values())) == len(keys)
    value = "AB12CDE"  # a plate that is also a possible username
    indexes = {blind_index.index(k, value) for k in keys.values()}
    assert len(indexes) == len(keys)


def test_versions_have_different_keys_and_indexes():
    for kind in blind_index.KINDS:
        by_version = [blind_index.kind_key(MATCHING_KEY, kind, v) for v in (1, 2, 3)]
        assert len(set(by_version)) == 3
        assert len({blind_index.index(k, PHONE) for k in by_version}) == 3


def test_all_kind_and_version_keys_are_distinct():
    keys = [blind_index.kind_key(MATCHING_KEY, k, v) for k, v in itertools.product(blind_index.KINDS, range(1, 5))]
    assert len(set(keys)) == len(keys)


def test_other_matching_key_other_index():
    other = bytes(reversed(range(32)))
    a = blind_index.index(blind_index.kind_key(MATCHING_KEY, "phone", 1), PHONE)
    b = blind_index.index(blind_index.kind_key(other, "phone", 1), PHONE)
    assert a != b


def test_index_is_keyed_not_a_plain_hash():
    key = blind_index.kind_key(MATCHING_KEY, "phone", 1)
    result = blind_index.index(key, PHONE)
    assert result != hashlib.sha256(PHONE.encode()).hexdigest()
    assert result != hashlib.sha256(MATCHING_KEY + PHONE.encode()).hexdigest()
    # The derived key is not the matching key itself.
    assert key != MATCHING_KEY and len(key) == 32


@pytest.mark.parametrize("length", [0, 1, 16, 31])
def test_short_matching_key_refused(length):
    with pytest.raises(ValueError, match="at least 32 bytes"):
        blind_index.kind_key(bytes(length), "phone", 1)


def test_longer_matching_key_accepted():
    assert len(blind_index.kind_key(bytes(64), "email", 1)) == 32


@pytest.mark.parametrize("kind", ["", "Phone", "address", "name"])
def test_unknown_kind_refused(kind):
    with pytest.raises(ValueError, match="unknown identifier kind"):
        blind_index.kind_key(MATCHING_KEY, kind, 1)
