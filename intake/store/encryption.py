"""Secrets encrypted at rest: what the database keeps of a bot token is not the token.

A stored secret is ``fernet:`` followed by a Fernet token (AES-128-CBC with an
HMAC-SHA256, from ``cryptography``), so that a copy of the database (a backup,
a stolen disk) gives nobody a token to post with. The keys come from
``INTAKE_SECRET_KEY``: one or several Fernet keys, comma-separated. The first
encrypts; every one decrypts, so a key is rotated by putting a new one first,
restarting (every stored secret is then re-encrypted with it) and later
dropping the old one. Without the setting, a key is generated into a file in
the data folder (owner-only) on the first start and read from it after.

A value without the prefix is a token stored before encryption (migration
0003): it is still read as it is, and encrypted the next time the service
starts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from intake.errors import ConfigError

PREFIX = "fernet:"
KEY_FILE_NAME = "secret.key"


class UnreadableSecret(ConfigError):
    """A stored secret none of the keys decrypts: the key it was encrypted with is missing."""


class TokenCipher:
    """Encrypts secrets before they are stored, and decrypts what is read back."""

    def __init__(self, keys: Sequence[str]) -> None:
        """``keys`` are Fernet keys (url-safe base64 of 32 bytes); the first encrypts."""
        if not keys:
            raise ConfigError("INTAKE_SECRET_KEY: give at least one key")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode("ascii")))
            except (ValueError, UnicodeEncodeError) as exc:
                raise ConfigError(
                    f"INTAKE_SECRET_KEY: key {position} is not a Fernet key (32 url-safe "
                    "base64-encoded bytes, as `intake` generates into var/secret.key)"
                ) from exc
        self._first = fernets[0]
        self._all = MultiFernet(fernets)

    def encrypt(self, secret: str) -> str:
        """What to store for ``secret``."""
        return PREFIX + self._first.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The secret ``stored`` holds; a value stored before encryption is returned as it is.

        Raises :class:`UnreadableSecret` when no key decrypts it.
        """
        if not is_encrypted(stored):
            return stored
        try:
            return self._all.decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise UnreadableSecret(
                "a stored secret was encrypted with a key that is not in INTAKE_SECRET_KEY"
            ) from exc

    def needs_reencrypting(self, stored: str) -> bool:
        """Whether ``stored`` is plain, or encrypted with another key than the first."""
        if not is_encrypted(stored):
            return True
        try:
            self._first.decrypt(stored.removeprefix(PREFIX).encode("ascii"))
        except InvalidToken:
            return True
        return False


def is_encrypted(stored: str) -> bool:
    """Whether ``stored`` was encrypted (else it is a secret kept before encryption)."""
    return stored.startswith(PREFIX)


def cipher_for(setting: str | None, data_dir: Path) -> TokenCipher:
    """The cipher of ``INTAKE_SECRET_KEY``'s keys, or of the data folder's key file.

    With the setting unset, ``data_dir/secret.key`` is read, or created on the
    first start (readable by its owner only). A service whose nodes share one
    database (PostgreSQL) must give every node the same keys in the setting.
    """
    if setting is not None and setting.strip():
        return TokenCipher([key.strip() for key in setting.split(",") if key.strip()])
    return TokenCipher([_key_file(data_dir / KEY_FILE_NAME)])


def _key_file(path: Path) -> str:
    try:
        # O_EXCL: of two processes starting together, one writes and the other reads.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise ConfigError(f"{path}: the key file is empty; restore it or remove it") from None
        return key
    key = Fernet.generate_key().decode("ascii")
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key
