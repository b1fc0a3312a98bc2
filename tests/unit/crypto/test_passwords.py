"""Argon2id password-derived keys (ugly_mugs.crypto.passwords).

Proves: derive_key gives the same 32-byte key for the same secret, salt and parameters,
and a different key when any of them changes; the default parameters meet OWASP's
minimum for Argon2id; inputs over 1024 bytes (counted in UTF-8, not characters) are
refused with PasswordTooLong before any hashing starts, while 1024 bytes are accepted.
"""

from __future__ import annotations

import pytest

from ugly_mugs.crypto import passwords
from ugly_mugs.crypto.passwords import Argon2Params, PasswordTooLong

# Small parameters keep the tests quick; the defaults are checked separately.
FAST = Argon2Params(memory_kib=256, iterations=1, lanes=1)
SALT = b"0123456789abcdef"


def test_same_inputs_same_key():
    first = passwords.derive_key("correct horse battery staple", SALT, FAST)
    assert passwords.derive_key("correct horse battery staple", SALT, FAST) == first
    assert len(first) == 32


def test_default_parameters_are_deterministic_too():
    assert passwords.derive_key("pass", SALT) == passwords.derive_key("pass", SALT, passwords.DEFAULT_PARAMS)


def test_other_salt_other_key():
    a = passwords.derive_key("same password", SALT, FAST)
    b = passwords.derive_key("same password", b"fedcba9876543210", FAST)
    assert a != b


def test_other_secret_other_key():
    assert passwords.derive_key("password1", SALT, FAST) != passwords.derive_key("password2", SALT, FAST)


@pytest.mark.parametrize(
    "params",
    [
        Argon2Params(memory_kib=512, iterations=1, lanes=1),
        Argon2Params(memory_kib=256, iterations=2, lanes=1),
        Argon2Params(memory_kib=256, iterations=1, lanes=2),
    ],
)
def test_other_parameters_other_key(params):
    assert passwords.derive_key("pw", SALT, params) != passwords.derive_key("pw", SALT, FAST)


def test_key_is_not_the_password_or_salt():
    key = passwords.derive_key("a" * 32, SALT, FAST)
    assert key != b"a" * 32
    assert SALT not in key


def test_new_salts_are_random():
    salts = {passwords.new_salt() for _ in range(100)}
    assert len(salts) == 100
    assert all(len(s) == passwords.SALT_BYTES == 16 for s in salts)


def test_defaults_meet_owasp_minimum_for_argon2id():
    assert passwords.DEFAULT_PARAMS.memory_kib >= 19 * 1024
    assert passwords.DEFAULT_PARAMS.iterations >= 2
    assert passwords.DEFAULT_PARAMS.as_dict() == {"memory_kib": 64 * 1024, "iterations": 3, "lanes": 1}
    assert Argon2Params(**passwords.DEFAULT_PARAMS.as_dict()) == passwords.DEFAULT_PARAMS


def test_exactly_the_limit_is_accepted():
    assert len(passwords.derive_key("x" * passwords.MAX_INPUT_BYTES, SALT, FAST)) == 32


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 1025,
        "x" * 1_000_000,
        "é" * 513,  # 513 characters, 1026 bytes: the limit is on bytes
        "\U0001f600" * 257,  # 257 characters, 1028 bytes
    ],
)
def test_too_long_is_refused(secret):
    assert passwords.MAX_INPUT_BYTES == 1024
    with pytest.raises(PasswordTooLong):
        passwords.derive_key(secret, SALT, FAST)


def test_too_long_is_refused_before_hashing():
    # These parameters make Argon2id itself fail (lanes must be >= 1), and the huge
    # memory cost would take minutes if hashing ever started: only a check that runs
    # first can raise PasswordTooLong here.
    unusable = Argon2Params(memory_kib=4 * 1024 * 1024, iterations=1000, lanes=0)
    with pytest.raises(PasswordTooLong):
        passwords.derive_key("x" * 1025, SALT, unusable)
    with pytest.raises(ValueError) as not_too_long:
        passwords.derive_key("x" * 1024, SALT, unusable)
    assert not isinstance(not_too_long.value, PasswordTooLong)
