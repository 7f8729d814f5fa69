"""Fetching a dps.report permalink's log: through the webhooks' SSRF guard, to a size limit.

The server never requests the permalink itself: it asks the configured dps.report
(``GW2WVW_DPS_REPORT_URL``) for ``/getJson?permalink=...``, checked and pinned as webhook URLs
are (``GW2WVW_WEBHOOK_ALLOWED_NETWORKS`` applies), with no redirects, no proxies, and the body
read raw and counted, so a compressed answer cannot expand past the limit here.
"""

from __future__ import annotations

import httpx

from gw2wvw.events import ForbiddenTarget, check_url
from gw2wvw.settings import Settings
from gw2wvw_api.problems import ProblemException

_ENCODINGS = frozenset({"", "identity", "gzip"})


def too_large(limit: int) -> ProblemException:
    """The 413 problem of a log beyond ``GW2WVW_FIGHT_MAX_BYTES``."""
    return ProblemException(
        413,
        "log_too_large",
        f"a fight log may have at most {limit:,} bytes (GW2WVW_FIGHT_MAX_BYTES)",
    )


def _unreachable(detail: str) -> ProblemException:
    return ProblemException(502, "permalink_unavailable", detail)


async def fetch_log(client: httpx.AsyncClient, settings: Settings, permalink: str) -> bytearray:
    """The bytes of the log behind ``permalink`` (JSON, or gzip when the server sent it so).

    502 ``permalink_unavailable`` when dps.report refuses, fails or answers other than 200;
    502 ``forbidden_target`` when its address is not one the server may request; 413 beyond
    the size limit.
    """
    hooks = settings.webhooks
    url = httpx.URL(settings.dps_report_url.rstrip("/") + "/getJson").copy_with(
        params={"permalink": permalink}
    )
    try:
        target = await check_url(str(url), hooks.allowed_networks)
    except ForbiddenTarget as error:
        raise ProblemException(502, "forbidden_target", error.message) from error
    request = client.build_request(
        "GET",
        target.pinned_url,
        headers={
            "host": target.host_header,
            "accept-encoding": "gzip",
            "accept": "application/json",
        },
        extensions=target.extensions,
    )
    limit = settings.fight_max_bytes
    try:
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.status_code != 200:
                raise _unreachable(
                    f"dps.report answered HTTP {response.status_code} for {permalink}"
                )
            encoding = response.headers.get("content-encoding", "").strip().lower()
            if encoding not in _ENCODINGS:
                raise _unreachable(f"dps.report sent the log in an encoding ({encoding}) not read")
            data = bytearray()
            async for chunk in response.aiter_raw():
                data += chunk
                if len(data) > limit:
                    raise too_large(limit)
        finally:
            await response.aclose()
    except httpx.HTTPError as error:
        raise _unreachable(f"dps.report could not be reached ({type(error).__name__})") from error
    return data
