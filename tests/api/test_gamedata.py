"""``/v1/gamedata`` and ``/v1/roles``: public, cacheable game data and the roles table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.app import create_app
from gw2wvw_api.routes.gamedata import MAX_IDS

from gw2wvw import gamedata
from gw2wvw.settings import Settings
from gw2wvw.squad import load_roles
from tests.api.conftest import assert_problem, client_for

DATA = gamedata.load()
ROLES = load_roles()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app on the embedded default: game data does not touch the database."""
    application = create_app(Settings(data_dir=tmp_path / "data", gamedata_max_age=600))
    async with application.router.lifespan_context(application):
        yield application


async def test_snapshot_describes_the_bundled_data(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/gamedata")

    assert response.status_code == 200
    body = response.json()
    assert (body["build_id"], body["fetched_at"], body["source"]) == (
        DATA.info.build_id,
        DATA.info.fetched_at,
        DATA.info.source,
    )
    assert body["counts"]["professions"] == 9
    assert body["counts"]["skills"] == len(DATA.skills)
    assert set(body["counts"]) == {
        "professions",
        "specializations",
        "traits",
        "skills",
        "legends",
        "pets",
        "itemstats",
    }


async def test_game_data_is_public_and_revalidates_with_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/gamedata/professions/Guardian")

    assert first.headers["cache-control"] == "public, max-age=600"
    assert first.headers["vary"] == "Accept-Encoding"
    etag = first.headers["etag"]
    assert etag.startswith('W/"')

    again = await client.get(
        "/v1/gamedata/professions/Guardian", headers={"If-None-Match": f'"x", {etag}'}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=600"

    other = await client.get(
        "/v1/gamedata/professions/Necromancer", headers={"If-None-Match": etag}
    )
    assert other.status_code == 200
    assert other.headers["etag"] != etag


async def test_lookups_by_ids_revalidate_too(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/gamedata/skills?ids=5569,5507")
    etag = first.headers["etag"]

    same = await client.get("/v1/gamedata/skills?ids=5569,5507", headers={"If-None-Match": etag})
    swapped = await client.get("/v1/gamedata/skills?ids=5507,5569", headers={"If-None-Match": etag})

    assert same.status_code == 304
    assert swapped.status_code == 200
    assert [s["id"] for s in swapped.json()] == [5507, 5569]


async def test_a_malformed_if_none_match_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/gamedata", headers={"If-None-Match": "not-quoted"})

    assert_problem(response, 400, "bad_precondition")


async def test_game_data_never_looks_at_the_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/roles", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 200


async def test_professions(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/gamedata/professions")

    body = response.json()
    assert [p["id"] for p in body] == list(DATA.professions)
    guardian = next(p for p in body if p["id"] == "Guardian")
    assert guardian == (await client.get("/v1/gamedata/professions/Guardian")).json()
    record = DATA.professions["Guardian"]
    assert guardian["code"] == record.code == 1
    assert guardian["specializations"] == list(record.specializations)
    assert 27 in guardian["specializations"]  # Dragonhunter
    assert set(guardian["weapons"]) == set(record.weapons)
    staff = guardian["weapons"]["Staff"]
    assert "TwoHand" in staff["flags"]
    assert [s["id"] for s in staff["skills"]] == [s.id for s in record.weapons["Staff"].skills]
    assert dict(guardian["skills_by_palette"]) == dict(record.skills_by_palette)


async def test_one_specialization_trait_and_skill(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/v1/gamedata/specializations/27")).json()
    trait_id = spec["major_traits"][0]
    trait = (await client.get(f"/v1/gamedata/traits/{trait_id}")).json()
    skill = (await client.get("/v1/gamedata/skills/5569")).json()

    assert (spec["name"], spec["profession"], spec["elite"]) == ("Dragonhunter", "Guardian", True)
    assert spec["minor_traits"] == list(DATA.specializations[27].minor_traits)
    assert trait["specialization"] == 27
    assert (trait["name"], trait["tier"], trait["slot"]) == (
        DATA.traits[trait_id].name,
        DATA.traits[trait_id].tier,
        "Major",
    )
    assert skill == {
        "id": 5569,
        "name": "Glyph of Elemental Harmony",
        "slot": "Heal",
        "type": "Heal",
        "professions": ["Elementalist"],
        "specialization": None,
        "weapon_type": None,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/v1/gamedata/professions/guardian",
        "/v1/gamedata/specializations/99999",
        "/v1/gamedata/traits/1",
        "/v1/gamedata/skills/0",
        "/v1/roles/no-such-archetype",
    ],
)
async def test_unknown_records_are_404(client: httpx.AsyncClient, url: str) -> None:
    assert_problem(await client.get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/v1/gamedata/skills/glyph", "/path/skill_id"),
        ("/v1/roles/Firebrand_Stab", "/path/archetype_id"),
    ],
)
async def test_a_malformed_id_is_422(client: httpx.AsyncClient, url: str, path: str) -> None:
    assert_problem(await client.get(url), 422, "validation_failed", paths=[path])


async def test_ids_lookups_answer_the_known_ones_in_order_once(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/gamedata/specializations?ids=27,1,99999,27")

    assert response.status_code == 200
    assert [(s["id"], s["name"]) for s in response.json()] == [
        (27, "Dragonhunter"),
        (1, DATA.specializations[1].name),
    ]


async def test_ids_lookups_of_only_unknown_ids_are_empty(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/gamedata/traits?ids=1,2")

    assert response.status_code == 200
    assert response.json() == []


async def test_ids_lookups_take_up_to_the_limit(client: httpx.AsyncClient) -> None:
    wanted = sorted(DATA.skills)[:MAX_IDS]

    response = await client.get("/v1/gamedata/skills", params={"ids": ",".join(map(str, wanted))})

    assert [s["id"] for s in response.json()] == wanted


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing"),
        ("?ids=", "string_pattern_mismatch"),
        ("?ids=1,,2", "string_pattern_mismatch"),
        ("?ids=1,two", "string_pattern_mismatch"),
        ("?ids=-1", "string_pattern_mismatch"),
        ("?ids=12345678901", "string_pattern_mismatch"),
        ("?ids=" + ",".join(["1"] * (MAX_IDS + 1)), "too_many_ids"),
    ],
    ids=["missing", "empty", "hole", "word", "negative", "too-long", "too-many"],
)
async def test_malformed_ids_are_422(client: httpx.AsyncClient, query: str, code: str) -> None:
    response = await client.get("/v1/gamedata/traits" + query)

    body = assert_problem(response, 422, "validation_failed", paths=["/query/ids"])
    assert body["errors"][0]["code"] == code


async def test_roles_table(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/roles")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=600"
    body = response.json()
    assert set(body) == {"version", "description", "specializations", "archetypes"}
    assert [a["id"] for a in body["archetypes"]] == [a.id for a in ROLES.archetypes]
    assert len(body["archetypes"]) == 48
    assert body["specializations"]["Firebrand"] == {
        "default": "firebrand-stab",
        "no_squad_role": None,
    }
    assert len(body["specializations"]) == 45


async def test_one_archetype(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/roles/firebrand-stab")

    body = response.json()
    assert (body["profession"], body["specialization"], body["role"]) == (
        "Guardian",
        62,
        "stab-support",
    )
    assert body["example"]["chat_code"] == ROLES["firebrand-stab"].example.chat_code
    assert "stability" in body["party"]["boons"]


async def test_bodies_are_made_once_per_process(app: FastAPI) -> None:
    async with client_for(app) as client:
        first = await client.get("/v1/gamedata/skills/5569")
        table = await client.get("/v1/roles")
        catalog = app.state.gamedata_catalog
        skills = catalog.items("skill")
        roles = catalog.document("roles", bytes)
        again = await client.get("/v1/gamedata/skills/5569")
        table_again = await client.get("/v1/roles")

    assert app.state.gamedata_catalog is catalog
    assert catalog.items("skill") is skills
    assert first.content == again.content == skills[5569].body
    assert table.content == table_again.content == roles.body


async def test_openapi_documents_every_answer(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    # 503 is documented app-wide (any route may need a database that is down).
    assert set(paths["/v1/gamedata/skills"]["get"]["responses"]) == {
        "200",
        "304",
        "400",
        "422",
        "503",
    }
    assert set(paths["/v1/gamedata/skills/{skill_id}"]["get"]["responses"]) == {
        "200",
        "304",
        "400",
        "404",
        "422",
        "503",
    }
    for path in ("/v1/roles/{archetype_id}", "/v1/gamedata/professions/{profession_id}"):
        problem = paths[path]["get"]["responses"]["422"]["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    ok = paths["/v1/gamedata/professions/{profession_id}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProfessionRead"
    }


async def test_head_is_get_without_the_body(client: httpx.AsyncClient) -> None:
    got = await client.get("/v1/roles")
    head = await client.head("/v1/roles")

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == str(got.num_bytes_downloaded)
    refused = await client.head("/v1/tools/decode")  # POST only
    assert refused.status_code == 405
    assert refused.content == b""
    assert refused.headers["allow"] == "POST"
