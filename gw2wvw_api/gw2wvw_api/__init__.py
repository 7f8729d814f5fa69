"""gw2wvw-api: the HTTP API over the gw2wvw core library."""

from gw2wvw import __version__

__all__ = ["__version__"]
