"""Server-rendered pages for commanders: the start page, sign-in, building a squad, the squad
board and builds. Templates and static files ship in this package; nothing loads from another
origin, so every page works offline. The pages read the same store, visibility rules and
response cache as the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gw2wvw_api.pages import event_pages, fight_pages
from gw2wvw_api.pages.routes import router

STATIC = Path(__file__).parent / "static"
"""The pages' stylesheet and script."""


def install(app: FastAPI) -> None:
    """Serve the pages and their static files on ``app``."""
    app.mount("/static/pages", StaticFiles(directory=STATIC), name="page-assets")
    app.include_router(router)
    app.include_router(fight_pages.router)
    app.include_router(event_pages.router)
