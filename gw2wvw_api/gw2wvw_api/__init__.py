"""gw2wvw-api: the HTTP API over the gw2wvw core library.

``create_app(settings)`` is the ASGI application factory; ``gw2wvw serve`` runs it.
"""

from gw2wvw import __version__
from gw2wvw_api.app import create_app

__all__ = ["__version__", "create_app"]
