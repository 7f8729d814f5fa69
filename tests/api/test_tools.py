"""``/v1/tools``: decode, validate, evaluate and build squads over HTTP."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.app import create_app
from gw2wvw_api.routes import tools

from gw2wvw import chatcode, gamedata
from gw2wvw.builds import Build
from gw2wvw.builds.view import describe
from gw2wvw.cli.squad import plan_json
from gw2wvw.settings import Settings
from gw2wvw.squad import BOONS, DEFAULT_TARGETS, SquadPlan, SquadRequest, build_squad, load_roles
from gw2wvw.store import CompositionQuery
from tests.api.conftest import (
    BAD_PET,
    FIREBRAND,
    RENEGADE,
    AppFactory,
    add_user,
    assert_problem,
    client_for,
    store_of,
)
from tests.fixtures import known_codes

DATA = gamedata.load()
ROLES = load_roles()

ZERG = [
    ["firebrand-stab", "druid-heal", "chronomancer-boon", "berserker-damage", "reaper-damage"],
    ["druid-heal", "scourge-strip", "deadeye-damage", "holosmith-damage"],
]

ZERO_WEIGHTS = dict.fromkeys([*DEFAULT_TARGETS["zerg"].party, *DEFAULT_TARGETS["zerg"].squad], 0)
"""Weights that leave nothing to score."""


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app on the embedded default: the tools keep no state, so one backend is enough."""
    application = create_app(Settings(data_dir=tmp_path / "data"))
    async with application.router.lifespan_context(application):
        yield application


def _composition(parties: list[list[str]], **fields: Any) -> dict[str, Any]:
    return {
        "parties": [{"members": [{"archetype": a} for a in party]} for party in parties],
        **fields,
    }


def _with_override_zero(code: str) -> str:
    """``code`` with a skill override id 0: a well-formed payload no Build can hold."""
    return chatcode.encode(chatcode.decode(code)._replace(skill_overrides=(0,)))


# -- decode -------------------------------------------------------------------------------------


async def test_decode_gives_the_cli_json_for_every_published_code(
    client: httpx.AsyncClient,
) -> None:
    for known in known_codes():
        response = await client.post("/v1/tools/decode", json={"chat_code": known.code})
        assert response.status_code == 200, (known.code, response.text)
        body = response.json()
        assert body["profession"] == known.profession, known.code
        lines = [line["id"] or 0 for line in body["specializations"]]
        assert tuple(lines) == known.specializations, known.code
        assert len(body["weapons"]) == len(known.weapons), known.code
        build = Build.from_chat_code(known.code, DATA)
        assert body == describe(build, DATA).model_dump(mode="json"), known.code


async def test_decode_names_the_lines_and_traits(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/decode", json={"chat_code": FIREBRAND})

    body = response.json()
    third = body["specializations"][2]
    assert (third["id"], third["name"], third["elite"]) == (62, "Firebrand", True)
    assert all(third["trait_names"])
    assert body["chat_code"] == Build.from_chat_code(FIREBRAND, DATA).to_chat_code(DATA)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("DQENPi47", "starts with '[&'"),
        ("[&DQ]", "base64"),
        ("[&AgEAWhAAAA==]", "not a build template"),
        ("[&DQEQ]", "truncated"),
        (_with_override_zero(FIREBRAND), "/skill_overrides/0"),
    ],
    ids=["no-brackets", "bad-base64", "item-link", "truncated", "override-zero"],
)
async def test_decode_refuses_unreadable_codes_at_the_chat_code(
    client: httpx.AsyncClient, code: str, says: str
) -> None:
    response = await client.post("/v1/tools/decode", json={"chat_code": code})

    body = assert_problem(response, 422, "validation_failed", paths=["/body/chat_code"])
    assert body["errors"][0]["code"] == "invalid_chat_code"
    assert says in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "/body/chat_code"),
        ({"chat_code": 12}, "/body/chat_code"),
        ({"chat_code": FIREBRAND, "extra": 1}, "/body/extra"),
    ],
    ids=["missing", "not-text", "unknown-field"],
)
async def test_decode_refuses_malformed_bodies(
    client: httpx.AsyncClient, payload: dict[str, Any], path: str
) -> None:
    response = await client.post("/v1/tools/decode", json=payload)

    assert_problem(response, 422, "validation_failed", paths=[path])


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/v1/tools/decode", {"chat_code": FIREBRAND}),
        ("/v1/tools/validate", {"chat_code": FIREBRAND}),
        ("/v1/tools/evaluate", {"composition": _composition(ZERG)}),
        ("/v1/tools/build-squad", {"size": 5}),
    ],
)
async def test_a_bad_token_is_refused_even_where_none_is_needed(
    client: httpx.AsyncClient, url: str, payload: dict[str, Any]
) -> None:
    response = await client.post(url, json=payload, headers={"Authorization": "Bearer nope"})

    assert_problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")


# -- validate -----------------------------------------------------------------------------------


async def test_validate_a_valid_chat_code(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/validate", json={"chat_code": FIREBRAND})

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert all(issue["severity"] == "warning" for issue in body["issues"])
    assert body["build"]["profession"] == "Guardian"


async def test_validate_reports_an_invalid_chat_code_with_200(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/validate", json={"chat_code": BAD_PET})

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    errors = [i for i in body["issues"] if i["severity"] == "error"]
    assert [(i["code"], i["path"].split("/")[1]) for i in errors] == [("unknown_pet", "pets")]
    assert body["build"]["profession"] == "Ranger"


async def test_validate_a_build_object_reports_every_problem_with_paths(
    client: httpx.AsyncClient,
) -> None:
    build = Build.from_chat_code(FIREBRAND, DATA).model_dump(mode="json")
    build["specializations"][0]["id"] = 99999
    build["weapons"] = ["Rifle"]
    build["stats"] = 1

    response = await client.post("/v1/tools/validate", json={"build": build})

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    found = {(i["path"], i["code"]) for i in body["issues"] if i["severity"] == "error"}
    assert found == {
        ("/specializations/0/id", "unknown_specialization"),
        ("/weapons/0", "weapon_not_usable"),
        ("/stats", "unknown_stats"),
    }
    # The unknown line has no chat-code form: the view says so instead of failing.
    assert body["build"]["chat_code"] is None


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "/body"),
        ({"chat_code": FIREBRAND, "build": {"profession": "Guardian"}}, "/body"),
        ({"build": {"profession": ""}}, "/body/build/profession"),
        ({"chat_code": "[&DQ]"}, "/body/chat_code"),
    ],
    ids=["neither", "both", "bad-build", "bad-code"],
)
async def test_validate_refuses_unusable_input(
    client: httpx.AsyncClient, payload: dict[str, Any], path: str
) -> None:
    response = await client.post("/v1/tools/validate", json=payload)

    assert_problem(response, 422, "validation_failed", paths=[path])


# -- evaluate -----------------------------------------------------------------------------------


async def test_evaluate_reports_every_partys_predicted_boons(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/evaluate", json={"composition": _composition(ZERG)})

    assert response.status_code == 200
    body = response.json()
    assert [p["members"] for p in body["parties"]] == [5, 4]
    first, second = body["parties"]
    assert "stability" in first["functions"]
    assert second["missing"] == ["stability anchor"]
    assert set(first["boons"]) == set(BOONS)  # every boon, in Elite Insights units
    assert first["boons"]["stability"]["unit"] == "stacks"
    assert first["boons"]["quickness"]["unit"] == "% uptime"
    assert first["boons"]["stability"]["predicted"] > second["boons"]["stability"]["predicted"]
    codes = {(f["code"], f["party"]) for f in body["findings"]}
    assert ("rule_stability", 2) in codes
    assert 0 < body["score"] < 100


async def test_evaluate_takes_specialization_names(client: httpx.AsyncClient) -> None:
    by_id = await client.post("/v1/tools/evaluate", json={"composition": _composition(ZERG)})
    names = [[ROLES[a].name.split(" (")[0] for a in party] for party in ZERG]
    names[0][0] = "firebrand"  # any case; a specialization stands for its default archetype
    by_name = await client.post("/v1/tools/evaluate", json={"composition": _composition(names)})

    assert by_name.status_code == 200, by_name.text
    assert by_name.json() == by_id.json()


async def test_evaluate_with_targets_replaces_the_modes(client: httpx.AsyncClient) -> None:
    targets = {"party": {"stability": {"weight": 1, "target": 0.5}}, "squad": {}}
    payload = {"composition": _composition([ZERG[0]]), "targets": targets}

    response = await client.post("/v1/tools/evaluate", json=payload)

    body = response.json()
    assert [part["name"] for part in body["parts"]] == ["party stability"]
    # With the Firebrand's stability the only goal, the party reaches it.
    assert body["parties"][0]["boons"]["stability"]["achieved"] == 1
    assert body["score"] == 100


async def test_evaluate_names_unknown_archetypes_by_path(client: httpx.AsyncClient) -> None:
    composition = _composition([["firebrand-stab", "no-such-thing"], ["nor-this"]])

    response = await client.post("/v1/tools/evaluate", json={"composition": composition})

    body = assert_problem(
        response,
        422,
        "validation_failed",
        paths=[
            "/body/composition/parties/0/members/1/archetype",
            "/body/composition/parties/1/members/0/archetype",
        ],
    )
    assert {e["code"] for e in body["errors"]} == {"unknown_archetype"}


async def test_evaluate_a_build_plays_its_specialization(client: httpx.AsyncClient) -> None:
    renegade = Build.from_chat_code(RENEGADE, DATA).model_dump(mode="json")
    composition = {"parties": [{"members": [{"build": renegade, "role": "boon-support"}]}]}

    response = await client.post("/v1/tools/evaluate", json={"composition": composition})

    assert response.status_code == 200, response.text
    cleanses = response.json()["parties"][0]["metrics"]["cleanses"]["contributions"]
    assert [c["archetype"] for c in cleanses] == ["renegade-damage"]


async def test_evaluate_names_close_matches_of_an_unknown_name(client: httpx.AsyncClient) -> None:
    composition = _composition([["Firebrnd"]])

    response = await client.post("/v1/tools/evaluate", json={"composition": composition})

    body = assert_problem(
        response,
        422,
        "validation_failed",
        paths=["/body/composition/parties/0/members/0/archetype"],
    )
    assert "did you mean Firebrand" in body["errors"][0]["message"]


async def test_evaluate_refuses_a_party_of_six(client: httpx.AsyncClient) -> None:
    composition = _composition([["firebrand-stab"] * 6])

    response = await client.post("/v1/tools/evaluate", json={"composition": composition})

    body = assert_problem(response, 422, "validation_failed")
    too_long = {"path": "/body/composition/parties/0/members", "code": "too_long"}
    assert too_long.items() <= body["errors"][0].items()


# -- build-squad --------------------------------------------------------------------------------


def _without_timing(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("solve_seconds", "composition_id")}


async def test_build_a_zerg_of_ten_covers_every_party(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tools/build-squad", json={"size": 10, "mode": "zerg"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "optimal"
    assert body["composition_id"] is None
    assert "composition" not in body
    assert [len(party) for party in body["parties"]] == [5, 5]
    for party in body["evaluation"]["parties"]:
        assert {"healer", "stability"} <= set(party["functions"]), party
        assert party["missing"] == []
    member = body["parties"][0][0]
    assert set(member) >= {"player", "archetype", "profession", "specialization", "chat_code"}
    expected = plan_json(build_squad(SquadRequest(size=10, mode="zerg")))
    assert _without_timing(body) == _without_timing(expected)


async def test_build_from_a_roster_keeps_the_locks(client: httpx.AsyncClient) -> None:
    options = ["firebrand-stab", "druid-heal", "berserker-damage", "scourge-strip"]
    roster: list[dict[str, Any]] = [
        {"name": f"player{i}", "archetypes": options, "commander": i == 0} for i in range(10)
    ]
    payload = {
        "roster": roster,
        "locks": [{"player": "player3", "archetype": "scourge-strip", "party": 2}],
    }

    response = await client.post("/v1/tools/build-squad", json=payload)

    body = response.json()
    assert body["status"] == "optimal", body
    placed = {
        m["player"]: (number, m["archetype"], m["commander"])
        for number, party in enumerate(body["parties"], start=1)
        for m in party
    }
    assert placed["player3"] == (2, "scourge-strip", False)
    assert placed["player0"][2] is True
    assert len(placed) == 10


async def test_an_infeasible_request_answers_200_with_its_reason(
    client: httpx.AsyncClient,
) -> None:
    roster = [{"name": f"p{i}", "archetypes": ["berserker-damage"]} for i in range(6)]
    locks = [{"player": f"p{i}", "party": 1} for i in range(6)]

    response = await client.post("/v1/tools/build-squad", json={"roster": roster, "locks": locks})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "infeasible"
    assert "locked" in body["reason"]
    assert body["parties"] == []
    assert body["evaluation"] is None


@pytest.mark.parametrize(
    ("payload", "path", "code"),
    [
        ({"size": 5, "archetypes": ["no-such-thing"]}, "/body", "invalid_squad_request"),
        (
            {
                "roster": [{"name": "a", "archetypes": ["firebrand-stab"]}],
                "locks": [{"player": "stranger", "party": 1}],
            },
            "/body",
            "invalid_squad_request",
        ),
        ({"size": 5, "weights": {"charisma": 1}}, "/body/weights", "invalid_weights"),
        ({"size": 5, "weights": ZERO_WEIGHTS}, "/body/weights", "invalid_weights"),
        ({"size": 5, "weights": {"stability": 5000}}, "/body/weights/stability", "less_than_equal"),
        (
            {"size": 5, "weights": {"stability": -1}},
            "/body/weights/stability",
            "greater_than_equal",
        ),
        ({}, "/body", "value_error"),
        ({"size": 51}, "/body/size", "less_than_equal"),
        ({"size": 5, "time_limit": 601}, "/body/time_limit", "less_than_equal"),
    ],
    ids=[
        "unknown-archetype",
        "unknown-lock",
        "unknown-weight",
        "zero-weights",
        "huge-weight",
        "negative-weight",
        "empty",
        "size",
        "time",
    ],
)
async def test_build_squad_refuses_bad_requests(
    client: httpx.AsyncClient, payload: dict[str, Any], path: str, code: str
) -> None:
    response = await client.post("/v1/tools/build-squad", json=payload)

    body = assert_problem(response, 422, "validation_failed", paths=[path])
    assert body["errors"][0]["code"] == code


async def test_the_solver_runs_in_a_worker_thread_with_a_capped_time_limit(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[float, int]] = []

    def spy(request: SquadRequest, *args: Any) -> SquadPlan:
        seen.append((request.time_limit, threading.get_ident()))
        return build_squad(request, *args)

    monkeypatch.setattr(tools, "build_squad", spy)

    response = await client.post("/v1/tools/build-squad", json={"size": 5, "time_limit": 600})

    assert response.status_code == 200
    assert seen == [(tools.MAX_TIME_LIMIT, seen[0][1])]
    assert seen[0][1] != threading.get_ident()


# -- build-squad, saved -------------------------------------------------------------------------


async def test_save_stores_the_plan_as_a_composition(make_app: AppFactory) -> None:
    app = await make_app()
    alice = await add_user(app, "alice")
    roster = [
        {"name": f"p{i}", "archetypes": ["firebrand-stab", "druid-heal", "berserker-damage"]}
        for i in range(5)
    ]
    save = {"name": "Tuesday raid", "visibility": "private", "tags": ["Zerg"]}
    async with client_for(app) as client:
        response = await client.post(
            "/v1/tools/build-squad",
            json={"roster": roster, "save": save},
            headers=alice.headers,
        )

        assert response.status_code == 201, response.text
        body = response.json()
        composition_id = uuid.UUID(body["composition_id"])
        assert response.headers["location"] == f"/v1/compositions/{composition_id}"
        assert body["status"] == "optimal"

        stored = await client.get(response.headers["location"], headers=alice.headers)
        assert stored.status_code == 200, stored.text
        hidden = await client.get(response.headers["location"])
        assert hidden.status_code == 404

    read = stored.json()
    assert (read["name"], read["visibility"], read["tags"], read["mode"]) == (
        "Tuesday raid",
        "private",
        ["zerg"],
        "zerg",
    )
    assert read["owner"]["name"] == "alice"
    planned = [[(m["player"], m["archetype"]) for m in party] for party in body["parties"]]
    kept = [[(m["player"], m["archetype"]) for m in party["members"]] for party in read["parties"]]
    assert kept == planned


async def test_save_with_weights_stores_the_targets_it_was_built_for(
    make_app: AppFactory,
) -> None:
    app = await make_app()
    alice = await add_user(app, "alice")
    payload = {"size": 5, "weights": {"damage": 40}, "save": {"name": "weighted"}}
    async with client_for(app) as client:
        response = await client.post("/v1/tools/build-squad", json=payload, headers=alice.headers)
        assert response.status_code == 201, response.text
        stored = await client.get(response.headers["location"], headers=alice.headers)

    read = stored.json()
    assert read["mode"] == "custom"
    assert read["targets"]["squad"]["damage"]["weight"] == 40
    assert read["targets"]["party"]["stability"]["weight"] == 25  # the zerg's, unchanged


async def test_save_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tools/build-squad", json={"size": 5, "save": {"name": "mine"}}
    )

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_infeasible_plan_is_not_saved(app: FastAPI, client: httpx.AsyncClient) -> None:
    alice = await add_user(app, "alice")
    roster = [{"name": f"p{i}", "archetypes": ["berserker-damage"]} for i in range(6)]
    payload = {
        "roster": roster,
        "locks": [{"player": f"p{i}", "party": 1} for i in range(6)],
        "save": {"name": "never"},
    }

    response = await client.post("/v1/tools/build-squad", json=payload, headers=alice.headers)

    assert response.status_code == 200
    assert response.json()["status"] == "infeasible"
    assert response.json()["composition_id"] is None
    assert "location" not in response.headers
    stored = await store_of(app).compositions.list(alice.actor, CompositionQuery())
    assert stored.items == ()
