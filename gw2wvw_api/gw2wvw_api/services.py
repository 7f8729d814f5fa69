"""What the routes use: the store, the cache, the settings, held for the app's lifetime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gw2wvw.cache import Cache
from gw2wvw.events import Dispatcher
from gw2wvw.settings import Settings
from gw2wvw.store import Store
from gw2wvw_api.caching import ResponseCache
from gw2wvw_api.imports import FightImports
from gw2wvw_api.throttle import Throttle
from gw2wvw_api.tokens import TokenCache


@dataclass
class Services:
    """The long-lived objects of one API process."""

    settings: Settings
    store: Store
    cache: Cache
    responses: ResponseCache
    tokens: TokenCache
    """Bearer-token look-ups through the cache (revocations invalidate them everywhere)."""
    throttle: Throttle
    """Sign-in, sign-up and token-issue limits (shared through Redis when configured)."""
    imports: FightImports
    """Where uploaded fights go to be parsed: the worker's queue, or background tasks."""
    dispatcher: Dispatcher | None = None
    """The in-process webhook dispatcher (embedded mode, no Redis); None when workers deliver."""

    def notify(self) -> None:
        """Tell the in-process dispatcher that events were just committed (no-op otherwise)."""
        if self.dispatcher is not None:
            self.dispatcher.notify()


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]
"""A route parameter that receives the :class:`Services`."""
