"""gw2wvw-worker: delivers gw2wvw webhook events with arq."""

from gw2wvw import __version__

__all__ = ["__version__"]
