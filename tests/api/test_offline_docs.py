"""``/docs`` and ``/redoc`` load nothing from another origin, and their assets are served."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*['"]([^'"]+)['"]""")


def _references(html: str) -> list[str]:
    return [a or b for a, b in _REFERENCE.findall(html)]


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"}),
        ("/redoc", {"/static/docs/redoc.standalone.js"}),
    ],
)
async def test_the_docs_reference_only_same_origin_assets_that_are_served(
    client: httpx.AsyncClient, page: str, assets: set[str]
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "cdn" not in html.lower()
    assert "fonts.googleapis" not in html
    references = _references(html)
    assert assets <= set(references)
    for reference in references:
        assert reference.startswith("/"), reference
        served = await client.get(reference)
        assert served.status_code == 200, reference
        assert served.content
    assert (await client.get("/openapi.json")).status_code == 200
