"""The errors of reading a player's GW2 account, importable without the HTTP client."""

from __future__ import annotations

from collections.abc import Iterable

from gw2wvw.errors import Gw2WvwError


class Gw2ApiError(Gw2WvwError):
    """The official API did not give what was asked; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidKeyError(Gw2ApiError, ValueError):
    """The official API does not know the key (revoked, mistyped, or not a key at all)."""


class MissingScopesError(Gw2ApiError, ValueError):
    """The key lacks permissions the account reader needs; ``missing`` names them."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted(missing))
        super().__init__(
            "the GW2 API key lacks the permission(s) "
            + ", ".join(self.missing)
            + ": create a key with account, characters and builds at "
            "https://account.arena.net/applications"
        )
