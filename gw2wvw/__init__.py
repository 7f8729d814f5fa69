"""gw2wvw: Guild Wars 2 World-vs-World squad planning."""

from gw2wvw._version import __version__

__all__ = ["__version__"]
