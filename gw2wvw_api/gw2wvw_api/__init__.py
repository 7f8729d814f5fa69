"""gw2wvw-api: the HTTP API over the gw2wvw core library.

``create_app(settings)`` is the ASGI application factory; ``gw2wvw serve`` runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gw2wvw._version import __version__

if TYPE_CHECKING:
    from gw2wvw_api.app import create_app

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI is imported when the app is asked for, not by every ``gw2wvw`` command that loads
    # this package's CLI plugin.
    if name == "create_app":
        from gw2wvw_api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
