"""The OpenAPI document: names a client generator keeps, and request examples that are valid."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import httpx
from gw2wvw_api.app import TAGS, create_app

from gw2wvw.settings import Settings
from tests.api.conftest import AppFactory, add_user, client_for

METHODS = {"get", "post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, dict[str, object]]]:
    schema = create_app(Settings()).openapi()
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    ]


def test_every_operation_has_a_unique_camel_case_id_and_a_known_tag() -> None:
    operations = _operations()
    ids = [str(operation.get("operationId")) for _, _, operation in operations]
    assert len(ids) == len(set(ids)) >= 45
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i)] == []
    known = {tag["name"] for tag in TAGS}
    untagged = [
        (method, path)
        for method, path, operation in operations
        if not operation.get("tags") or not set(operation["tags"]) <= known  # type: ignore[arg-type]
    ]
    assert untagged == []
    named = {(method, path): operation["operationId"] for method, path, operation in operations}
    assert named[("GET", "/v1/builds/{build_id}")] == "getBuild"
    assert named[("GET", "/v1/builds")] == "listBuilds"
    assert named[("POST", "/v1/compositions")] == "createComposition"


def _request_examples(schema: dict[str, Any], method: str, path: str) -> list[Any]:
    """The whole-body examples of an operation's request schema."""
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    examples: list[Any] = schema["components"]["schemas"][name]["examples"]
    return examples


async def test_every_request_example_is_accepted(make_app: AppFactory) -> None:
    """The examples are what a fuzzer starts from: each must reach the operation's logic, not
    its validation (a loopback webhook needs loopback allowed, as ``nox -s schemathesis`` does)."""
    app = await make_app(webhook_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))
    schema = app.openapi()
    alice = await add_user(app, "alice")
    async with client_for(app) as client:

        async def send(method: str, url: str, body: Any) -> httpx.Response:
            return await client.request(method, url, json=body, headers=alice.headers)

        [build] = _request_examples(schema, "post", "/v1/builds")
        made = await send("POST", "/v1/builds", build)
        assert made.status_code == 201, made.text
        at = f"/v1/builds/{made.json()['id']}"
        for method in ("put", "patch"):
            for example in _request_examples(schema, method, "/v1/builds/{build_id}"):
                assert (await send(method.upper(), at, example)).status_code == 200
        for tool in ("validate", "evaluate"):
            for example in _request_examples(schema, "post", f"/v1/tools/{tool}"):
                answer = await send("POST", f"/v1/tools/{tool}", example)
                assert answer.status_code == 200, answer.text
        # The first example's public host resolves nowhere here; the second is on loopback.
        _, loopback = _request_examples(schema, "post", "/v1/webhooks")
        hook = await send("POST", "/v1/webhooks", loopback)
        assert hook.status_code == 201, hook.text
        for example in _request_examples(schema, "patch", "/v1/webhooks/{webhook_id}"):
            changed = await send("PATCH", f"/v1/webhooks/{hook.json()['id']}", example)
            assert changed.status_code == 200, changed.text


def test_cross_field_rules_are_stated_as_one_of() -> None:
    """Either a build or a chat code; a member from an archetype or from a build and its role."""
    schemas = create_app(Settings()).openapi()["components"]["schemas"]

    def branches(name: str) -> list[tuple[list[str], list[str]]]:
        """Each ``oneOf`` branch as (the fields it requires, the fields it nulls)."""
        return [
            (
                branch.get("required", []),
                sorted(f for f, rule in branch["properties"].items() if rule == {"type": "null"}),
            )
            for branch in schemas[name]["oneOf"]
        ]

    assert branches("BuildCreate") == [(["build"], ["chat_code"]), (["chat_code"], ["build"])]
    assert branches("BuildPatch")[-1] == ([], ["build", "chat_code"])
    assert branches("ValidateRequest") == branches("BuildCreate")
    assert branches("MemberIn") == [
        (["archetype"], ["build_id", "role"]),
        (["build_id", "role"], ["archetype"]),
    ]
    assert branches("Member") == [
        (["archetype"], ["build", "role"]),
        (["build", "role"], ["archetype"]),
    ]
