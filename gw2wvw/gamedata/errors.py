"""The error of a game-data sync, apart from the sync client so that raising or catching it
needs no HTTP library."""

from __future__ import annotations

from collections.abc import Sequence

from gw2wvw.errors import Gw2WvwError


class SyncError(Gw2WvwError):
    """A sync failed; no snapshot file was written or replaced.

    ``status`` is the HTTP status that ended it, if any; ``missing_ids`` the ids the API did not
    return, if that is why.
    """

    def __init__(
        self, message: str, *, status: int | None = None, missing_ids: Sequence[int | str] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.missing_ids = tuple(missing_ids)
