"""Cryptographic building blocks for report data. No Flask imports, no database access.

``aead``      AES-256-GCM with associated data, for report sections and keys at rest.
``sealing``   sealing a secret to an X25519 public key (ephemeral key + HKDF-SHA256).
``passwords`` Argon2id keys derived from passwords and passphrases.
``receipt``   receipt codes and the keys and lookup ids derived from them with HKDF.
``blind_index`` keyed HMAC-SHA256 indexes of normalised identifiers.
"""

from ugly_mugs.crypto.aead import DecryptionError

__all__ = ["DecryptionError"]
