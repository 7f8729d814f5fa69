"""MkDocs hooks: the OpenAPI document of the HTTP API, and docstrings' reST roles as code.

The OpenAPI document is generated from ``create_app`` at build time (no server, no network), so
the HTTP API page always renders the API of the code being documented.
"""

from __future__ import annotations

import json
import re
import tempfile
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

OPENAPI = "openapi.json"
"""Where the generated OpenAPI document lives in the site (the HTTP API page renders it)."""

# Docstrings are written with reST roles (:class:`X`, :func:`~a.b.c`); the Markdown renderer
# keeps the role's text in front of the code span. Show the name as code, as Sphinx would.
_ROLE = re.compile(r":(?:class|func|meth|attr|data|exc|mod|obj):(<code>)~?")


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the API serves at ``/openapi.json``."""
    from gw2wvw_api.app import create_app

    from gw2wvw.settings import Settings

    # Building the app reads no database: the scratch data directory stays empty.
    with tempfile.TemporaryDirectory() as scratch:
        return create_app(Settings(data_dir=scratch)).openapi()


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated OpenAPI document to the site."""
    content = json.dumps(openapi_document(), indent=1, sort_keys=False)
    files.append(File.generated(config, OPENAPI, content=content))
    return files


def on_page_content(html: str, page: Page, **_: Any) -> str:
    """Render reST roles in docstrings as plain code spans."""
    return _ROLE.sub(r"\1", html)
