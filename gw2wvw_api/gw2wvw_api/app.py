"""`create_app`: the ASGI application, wired from one `Settings` object."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gw2wvw import gamedata
from gw2wvw._version import __version__
from gw2wvw.cache import open_cache
from gw2wvw.events import Dispatcher, new_client, url_check
from gw2wvw.settings import Settings, WebhookSettings
from gw2wvw.squad import load_roles
from gw2wvw.store import Store, cipher_from_settings, open_store
from gw2wvw_api import offline_docs, pages, problems
from gw2wvw_api.caching import ResponseCache
from gw2wvw_api.fastpath import GZIP_MINIMUM, FastPath
from gw2wvw_api.imports import FightImports, InProcessImports, QueuedImports
from gw2wvw_api.middleware import HeadAsGet, OneVary, Unexpected, unexpected
from gw2wvw_api.problems import Problem, problem_responses
from gw2wvw_api.routes import (
    accounts,
    builds,
    compositions,
    events,
    fights,
    gw2_account,
    health,
    tools,
    webhooks,
)
from gw2wvw_api.routes import gamedata as gamedata_routes
from gw2wvw_api.services import Services
from gw2wvw_api.throttle import Throttle
from gw2wvw_api.tokens import TokenCache

log = logging.getLogger(__name__)

DESCRIPTION = """\
Plan Guild Wars 2 World-vs-World squads and share builds.

Send `Authorization: Bearer <token>` (sign up with `POST /v1/users`). A token has scopes:
`read` (private data), `write` (create, change and delete builds, compositions and webhooks) and
`account` (tokens, display name); each operation's `security` names the one it needs, and a
token without it answers 403 `insufficient_scope`. Issuing tokens and deleting the account take
the password (HTTP Basic). Sign-ins, sign-ups and new tokens are throttled: 429 with
`Retry-After`.

Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. Reads
carry weak ETags and honour `If-None-Match`; writes honour `If-Match` with the version ETag you
read.
"""

TAGS = [
    {"name": "builds", "description": "Stored builds, from a build object or a chat code."},
    {"name": "compositions", "description": "Stored squads and their boon coverage."},
    {"name": "fights", "description": "Elite Insights logs of fights, parsed into reports."},
    {"name": "events", "description": "Raid nights, sign-ups and the squad planned from them."},
    {"name": "gw2-account", "description": "Your GW2 API key and what your account holds."},
    {"name": "tools", "description": "Stateless tools: decode, validate, evaluate, build squads."},
    {"name": "gamedata", "description": "The game data the API validates against (public)."},
    {"name": "roles", "description": "The WvW archetypes the squad tools plan with (public)."},
    {"name": "accounts", "description": "Sign-up, tokens with scopes, your account."},
    {"name": "webhooks", "description": "Signed event deliveries to your URLs."},
    {"name": "health", "description": "Liveness and readiness."},
]
"""The OpenAPI tags, in the order the documentation shows them."""


def _operation_id(route: APIRoute) -> str:
    """Each operation's id is its function's name in camelCase (``create_build`` gives
    ``createBuild``): what a client generator names its methods after, stable while paths
    change."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _prepare_database(settings: Settings) -> str:
    url = settings.resolved_database_url()
    if settings.database_url is None:
        # The embedded default: a SQLite file in the user data directory.
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    return url


async def _start_dispatcher(
    stack: AsyncExitStack, store: Store, hooks: WebhookSettings
) -> Dispatcher:
    """Run the in-process webhook dispatcher until ``stack`` closes, then stop it gracefully."""
    client = await stack.enter_async_context(new_client(hooks))
    dispatcher = Dispatcher(store, hooks, client)
    runner = dispatcher.start()

    async def stop() -> None:
        # Attempts in flight may finish (each is bounded by the timeout); one cut short is not
        # lost: its claim lapses and the delivery is due again.
        await dispatcher.stop(grace=hooks.timeout)
        await runner

    stack.push_async_callback(stop)
    return dispatcher


class Api(FastAPI):
    """The FastAPI app, with the fast path in front: cached answers go out before any of the
    framework's middleware, routing or dependency solving runs."""

    fast_path: FastPath

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the fast path if it can, else as FastAPI does."""
        if scope["type"] == "http":
            services: Services | None = getattr(self.state, "services", None)
            if services is not None:
                try:
                    handed_on = await self.fast_path.answer(
                        scope, receive, send, services, self.state
                    )
                except Exception as error:
                    # Raised before the fast path sent anything (it sends last), and outside
                    # every middleware: answered here as a route's error would be, so a
                    # database that is down is a 503 and the connection stays open.
                    await self._answer_error(error, scope, receive, send)
                    return
                if handed_on is None:
                    return
                receive = handed_on
        await super().__call__(scope, receive, send)

    async def _answer_error(
        self, error: Exception, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Answer ``error`` with the app's exception handler for it, or the 500 problem."""
        response: Response
        for kind in type(error).__mro__:
            handler = self.exception_handlers.get(kind)
            if handler is not None:
                made = handler(Request(scope), error)
                response = await made if inspect.isawaitable(made) else made
                break
        else:
            response = unexpected(scope, error)
        await response(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gw2wvw HTTP API for ``settings`` (default: read from ``GW2WVW_*`` variables)."""
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        data = gamedata.load(config.gamedata_path)
        roles = load_roles()
        cache = open_cache(config.redis_url)
        hooks = config.webhooks
        async with (
            open_store(
                _prepare_database(config),
                data=data,
                roles=roles,
                migrate=config.migrate_on_start,
                webhooks=hooks,
                url_check=url_check(hooks.allowed_networks),
                pool_size=config.database_pool_size,
                cipher=cipher_from_settings(config),
            ) as store,
            AsyncExitStack() as stack,
        ):
            stack.push_async_callback(cache.close)
            dispatcher = None
            if config.redis_url is None:
                # The embedded mode: no Redis, so no worker either; this process delivers.
                dispatcher = await _start_dispatcher(stack, store, hooks)
            imports: FightImports
            if dispatcher is None:
                assert config.redis_url is not None
                imports = QueuedImports(config.redis_url, config.worker_queue_name)
            else:
                imports = InProcessImports(store, dispatcher.notify)
                # What a crash or a shutdown left half done runs again, in the background.
                await imports.resume()
            stack.push_async_callback(imports.close)
            throttle = Throttle(config, config.redis_url)
            stack.push_async_callback(throttle.close)
            app.state.services = Services(
                settings=config,
                store=store,
                cache=cache,
                responses=ResponseCache(cache, config.cache_ttl),
                tokens=TokenCache(store, cache),
                throttle=throttle,
                imports=imports,
                dispatcher=dispatcher,
            )
            yield

    app = Api(
        title="gw2wvw",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by offline_docs, from packaged assets rather than a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        # Any route that reads the database may find it down.
        responses=problem_responses(503),
    )
    app.fast_path = FastPath()
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM)
    # Added after compression, so it wraps it and sees the Vary header that adds.
    app.add_middleware(OneVary)
    app.add_middleware(HeadAsGet)
    # Outermost of ours: whatever fails below is answered here, and the connection stays open.
    app.add_middleware(Unexpected)
    problems.install(app)
    # Routes are matched one by one, in order (measured at about 2.5 us each): the most
    # requested come first.
    for router in (
        health.router,
        builds.router,
        compositions.router,
        fights.router,
        fights.reviews,
        gamedata_routes.router,
        tools.router,
        accounts.router,
        gw2_account.router,
        webhooks.router,
        events.router,
    ):
        app.include_router(router)

    offline_docs.install(app)
    # Last: the pages are requested less than the API, and their paths do not clash with it.
    pages.install(app)

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem_schema.pop("$defs", {}))
            components["Problem"] = problem_schema
            schema["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token."},
                "basic": {"type": "http", "scheme": "basic", "description": "Name and password."},
            }
            # Each operation names what it needs (auth.security); game data needs nothing.
            schema["security"] = [{}]
            insufficient = problem_responses(403)[403]
            for operations in schema["paths"].values():
                for operation in operations.values():
                    scoped = any(
                        requirement.get("bearer") for requirement in operation.get("security", [])
                    )
                    if scoped:
                        # A token without the scope answers 403 insufficient_scope.
                        operation["responses"].setdefault("403", insufficient)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
