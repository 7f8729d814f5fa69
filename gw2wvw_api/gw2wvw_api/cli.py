"""``gw2wvw serve``: run the API with uvicorn (plugged into the core CLI by entry point)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs). Configure it with GW2WVW_* variables."""
    # Imported here: every gw2wvw command loads this plugin, and only serve needs uvicorn.
    import uvicorn

    from gw2wvw.cli._output import console, fail
    from gw2wvw.settings import Settings

    settings = Settings()
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
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``gw2wvw`` command line."""
    app.command("serve")(serve)
