"""The typed errors of the store; no driver exception ever reaches a caller."""

from __future__ import annotations

from dataclasses import dataclass

from gw2wvw.errors import Gw2WvwError


@dataclass(frozen=True)
class ErrorDetail:
    """One problem of a request: where (JSON pointer), a stable code, and what."""

    path: str
    code: str
    message: str


class StoreError(Gw2WvwError):
    """Base class of every store error."""


class NotFound(StoreError):
    """The item does not exist, or the actor may not see it (the two look the same)."""

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class PermissionDenied(StoreError):
    """The actor may see the item but not change it, or may not act at all."""


class Unauthenticated(PermissionDenied):
    """The action needs a signed-in user."""


class Conflict(StoreError):
    """The change clashes with the stored state (a taken name, an item in use)."""


class VersionConflict(Conflict):
    """The item changed since the version the caller read; nothing was written."""

    def __init__(self, kind: str, ident: object, expected: int, actual: int) -> None:
        super().__init__(f"{kind} {ident} is at version {actual}, not {expected}")
        self.kind = kind
        self.ident = ident
        self.expected = expected
        self.actual = actual


class ValidationFailed(StoreError):
    """Well-formed input that is wrong (an invalid build, say); ``errors`` lists every problem."""

    def __init__(self, errors: list[ErrorDetail]) -> None:
        shown = "; ".join(f"{e.path or '/'}: {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"validation failed: {shown}{more}")
        self.errors = errors


class StoreUnavailable(StoreError):
    """The database could not be reached or gave up (locked, disconnected, timed out)."""
