"""The bundled snapshot is exactly what the sync client makes of the offline game-data pack.

``gw2wvw/gamedata/gamedata.json`` is produced by the project's own sync code: these tests serve
``../shared/gamedata/v2/*.json`` from a local fake API (a real HTTP server) and sync from it. The
pack has no single game build (its sources were read at different dates, see its PROVENANCE.md),
so the fake ``/v2/build`` answers ``{"id": 0}`` and the snapshot records build 0.

To regenerate the committed file after the pack, the trimmers or the snapshot format change::

    GW2WVW_UPDATE_SNAPSHOT=1 uv run pytest tests/unit/gamedata/test_bundled_snapshot.py

That run syncs into ``gw2wvw/gamedata/`` (atomically, like any sync) and then checks the result.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from gw2wvw import gamedata
from gw2wvw.gamedata.snapshot import ENDPOINTS, FILENAME
from gw2wvw.gamedata.sync import fetch_snapshot, sync
from tests.unit.gamedata.conftest import ServeFn

PACK_SOURCE = "offline game-data pack (shared/gamedata/v2)"
"""The ``source`` the committed snapshot records instead of the fake server's URL."""

BUNDLED = Path(gamedata.__file__).parent / FILENAME


def _read_pack(pack_dir: Path) -> dict[str, list[dict[str, Any]]]:
    return {e: json.loads((pack_dir / "v2" / f"{e}.json").read_text()) for e in ENDPOINTS}


async def test_syncing_the_pack_reproduces_the_bundled_snapshot(
    pack_dir: Path, serve: ServeFn
) -> None:
    pack = _read_pack(pack_dir)
    server = serve(pack, build_id=0)
    if os.environ.get("GW2WVW_UPDATE_SNAPSHOT") == "1":
        await sync(BUNDLED.parent, api_url=server.url, source=PACK_SOURCE)
    produced = json.loads(await fetch_snapshot(api_url=server.url, source=PACK_SOURCE))
    committed = json.loads(BUNDLED.read_text(encoding="utf-8"))

    for endpoint in ENDPOINTS:
        assert produced[endpoint] == committed[endpoint], f"{endpoint} differs; see the docstring"
        assert len(committed[endpoint]) == len(pack[endpoint])
    assert produced["format"] == committed["format"]
    assert produced["info"]["build_id"] == committed["info"]["build_id"] == 0
    # Where and when differ by nature; the committed file must name the pack and a real time.
    assert produced["info"]["source"] == committed["info"]["source"] == PACK_SOURCE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", committed["info"]["fetched_at"])


def test_the_bundled_snapshot_loads_with_the_pack_counts(
    pack_dir: Path, data: gamedata.GameData
) -> None:
    pack = _read_pack(pack_dir)

    assert data.info.source == PACK_SOURCE
    for endpoint in ENDPOINTS:
        assert len(getattr(data, endpoint)) == len(pack[endpoint]), endpoint
