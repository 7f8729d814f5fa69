"""The OpenAPI document: names a client generator keeps, and request examples that are valid."""

from __future__ import annotations

import re

from gw2wvw_api.app import TAGS, create_app

from gw2wvw.settings import Settings

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
