"""Who counts as one client for the limits (``throttle.client_address``): an IPv4 address as it
is, an IPv6 address by its /64 (one subscriber's usual allocation), an IPv4-mapped IPv6 address
as the IPv4 address; two clients the rule tells apart never share a key."""

from __future__ import annotations

import pytest

from ugly_mugs import throttle

KEY = b"k" * 32

SAME_CLIENT = [
    ("198.51.100.7", "198.51.100.7"),
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"),
    ("2001:db8:1:2::1", "2001:DB8:1:2:0:0:0:abcd"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    (" 198.51.100.7", "198.51.100.7"),
]
OTHER_CLIENTS = [
    ("198.51.100.7", "198.51.100.8"),
    ("2001:db8:1:2::1", "2001:db8:1:3::1"),
    ("2001:db8:1:2::1", "2001:db9:1:2::1"),
    ("::ffff:198.51.100.7", "198.51.100.8"),
]


@pytest.mark.parametrize(("a", "b"), SAME_CLIENT)
def test_addresses_of_one_client_share_a_key(a, b):
    assert throttle.client_key(KEY, a) == throttle.client_key(KEY, b)


@pytest.mark.parametrize(("a", "b"), OTHER_CLIENTS)
def test_addresses_of_other_clients_do_not(a, b):
    assert throttle.client_key(KEY, a) != throttle.client_key(KEY, b)


@pytest.mark.parametrize("raw", ["", "unknown", "not an address", "2001:db8::zz"])
def test_anything_else_is_counted_as_given(raw):
    assert throttle.client_address(raw) == raw
    assert len(throttle.client_key(KEY, raw)) == 32
