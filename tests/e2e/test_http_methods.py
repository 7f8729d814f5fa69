"""Findings of the schemathesis session, kept as tests: a 405 names every method of the
resource (RFC 9110), and a JSON number is not taken for a date-time."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, Cluster, problem, sign_up


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/v1/builds", "GET, POST"),
        ("PUT", "/v1/builds", "GET, POST"),
        ("POST", f"/v1/builds/{uuid.uuid4()}", "GET, PUT, PATCH, DELETE"),
        ("POST", "/v1/me", "GET, PATCH, DELETE"),
        ("DELETE", "/v1/tokens", "GET, POST"),
        ("PUT", f"/v1/compositions/{uuid.uuid4()}/evaluation", "GET"),
        ("DELETE", "/v1/roles", "GET"),
    ],
)
def test_405_names_every_method_of_the_resource(
    cluster: Cluster, http: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = http.request(method, f"{cluster.a.url}{path}")
    problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize("expires_at", [0, 1.5e9, True])
def test_a_token_expiry_must_be_a_date_time_string(
    cluster: Cluster, http: httpx.Client, expires_at: object
) -> None:
    account = sign_up(cluster.a.url, "expiring")
    response = http.post(
        f"{cluster.a.url}/v1/tokens",
        auth=(account.name, PASSWORD),
        json={"expires_at": expires_at},
    )
    body = problem(response, 422, "validation_failed")
    assert [error["path"] for error in body["errors"]] == ["/body/expires_at"]
    tokens = http.get(f"{cluster.a.url}/v1/tokens", headers=account.headers).json()["items"]
    assert [token["name"] for token in tokens] == ["sign-up"]
