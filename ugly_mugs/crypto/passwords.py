"""Keys derived from passwords and passphrases with Argon2id.

The parameters are stored beside each derived key's salt so that they can be raised
later without locking anyone out. The defaults exceed OWASP's minimum for Argon2id
(19 MiB, 2 passes); inputs longer than MAX_INPUT_BYTES are refused before hashing so
that a huge password cannot be used to tie up the server.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MAX_INPUT_BYTES = 1024
SALT_BYTES = 16


class PasswordTooLong(ValueError):
    """The password or passphrase is longer than MAX_INPUT_BYTES."""


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 1

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


DEFAULT_PARAMS = Argon2Params()


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key(secret: str, salt: bytes, params: Argon2Params = DEFAULT_PARAMS) -> bytes:
    """A 32-byte key from ``secret``; the same inputs always give the same key."""
    data = secret.encode("utf-8")
    if len(data) > MAX_INPUT_BYTES:
        raise PasswordTooLong(f"at most {MAX_INPUT_BYTES} bytes")
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(data)
