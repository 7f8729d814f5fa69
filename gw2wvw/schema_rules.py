"""JSON Schema for rules across fields that Pydantic checks in validators, so that the OpenAPI
states them too (a client generator's types, a fuzzer's requests)."""

from __future__ import annotations

from typing import Any

from pydantic.config import JsonDict


def exactly_one_of(*groups: tuple[str, ...]) -> JsonDict:
    """``json_schema_extra`` for an object that sets the fields of exactly one group (not null)
    and leaves every other field of the groups out or null. An empty group: none of them set."""
    every = sorted({field for group in groups for field in group})
    branches: list[Any] = [
        {
            **({"required": list(group)} if group else {}),
            "properties": {
                field: {"not": {"type": "null"}} if field in group else {"type": "null"}
                for field in every
            },
        }
        for group in groups
    ]
    return {"oneOf": branches}
