"""``gw2wvw serve``: run the API with uvicorn (plugged into the core CLI by entry point)."""

from __future__ import annotations

from typing import Annotated

import typer

WORKER_START_TIMEOUT = 60
"""Seconds a worker process may take to answer uvicorn's first health check."""


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs). Configure it with GW2WVW_* variables."""
    # Imported here: every gw2wvw command loads this plugin, and only serve needs uvicorn.
    import uvicorn
    from pydantic import ValidationError

    from gw2wvw.cli._output import console, fail
    from gw2wvw.settings import Settings
    from gw2wvw.store import StoreError
    from gw2wvw.store.engine import normalise_url
    from gw2wvw_api.throttle import Throttle

    try:
        settings = Settings()
        normalise_url(settings.resolved_database_url())
        Throttle(settings)
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"GW2WVW_{str(first['loc'][0]).upper()}: {first['msg']}")
    except (StoreError, ValueError) as error:
        fail(str(error))
    if workers > 1 and settings.redis_url is None:
        # Each process would keep its own cache and serve what another process changed.
        fail("several workers share their cache through Redis: set GW2WVW_REDIS_URL")
    where = settings.database_url or f"{settings.resolved_database_url()} (embedded)"
    console.print(f"gw2wvw API on http://{host}:{port} (docs at /docs), database {where}")
    uvicorn.run(
        "gw2wvw_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
        # Each worker imports the app and opens the store before it can answer uvicorn's
        # health checks; on a busy machine that took longer than uvicorn's 5 s, which killed
        # and restarted the workers in a loop. A worker that hangs is still replaced.
        timeout_worker_healthcheck=WORKER_START_TIMEOUT,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``gw2wvw`` command line."""
    app.command("serve")(serve)
