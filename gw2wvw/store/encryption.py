"""Encryption at rest of the secrets the store keeps for users (their GW2 API keys).

Secrets are encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under
the keys of ``GW2WVW_ENCRYPTION_KEY``: one key, or several separated by commas for rotation,
the first encrypting and every one decrypting (:class:`~cryptography.fernet.MultiFernet`).
Generate a key with ``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``.

Without the setting, the embedded mode (no ``GW2WVW_DATABASE_URL``) keeps a generated key in
``data_dir/encryption.key``, readable by its owner only, next to the database it protects;
a server with its own database URL gets no key, and refuses to store secrets until one is set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from gw2wvw.store.errors import StoreError

if TYPE_CHECKING:
    from gw2wvw.settings import Settings

KEY_FILE: Final = "encryption.key"
"""The file in ``data_dir`` holding the embedded mode's generated key."""


class EncryptionError(StoreError):
    """A secret cannot be stored or read: no encryption key is set, or not the one it needs."""


class Cipher:
    """Encrypts and decrypts secrets under one or more Fernet keys (the first encrypts)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("give at least one Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except ValueError:
            # Fernet's own message quotes nothing of the key; ours says what a key is.
            raise ValueError(
                "an encryption key is 32 url-safe base64-encoded bytes (Fernet.generate_key())"
            ) from None

    def encrypt(self, secret: str) -> str:
        """The ciphertext of ``secret``, as text."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The secret of ``ciphertext``; :class:`EncryptionError` if no key opens it."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken:
            raise EncryptionError(
                "a stored secret was encrypted with a key that GW2WVW_ENCRYPTION_KEY no longer "
                "lists: add the old key back after the new one"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """``ciphertext`` encrypted again under the first key."""
        return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")


def _embedded_key(data_dir: Path) -> str:
    """The embedded mode's key: read from ``data_dir``, or generated there (mode 0600)."""
    path = data_dir / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        # O_EXCL: when two processes start at once, one writes and the other reads its key.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(handle, "wb") as out:
        out.write(key + b"\n")
    return key.decode("ascii")


def cipher_from_settings(settings: Settings) -> Cipher | None:
    """The cipher ``settings`` configure: ``encryption_key``, else the embedded mode's key
    file; None for a server with its own database and no key set."""
    if settings.encryption_key is not None:
        keys = [k for k in settings.encryption_key.get_secret_value().split(",") if k.strip()]
        return Cipher(keys)
    if settings.database_url:
        return None
    return Cipher([_embedded_key(settings.data_dir)])
