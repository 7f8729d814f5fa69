"""Errors of the builds package."""

from gw2wvw.errors import Gw2WvwError


class BuildError(Gw2WvwError, ValueError):
    """A build cannot be translated to or from a chat code with the given game data."""
