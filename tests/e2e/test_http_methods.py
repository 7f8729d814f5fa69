"""Findings of the schemathesis session, kept as tests: a 405 names every method of the
resource (RFC 9110), and a JSON number is not taken for a date-time; and HEAD works wherever
GET does."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD, Cluster, create_build, problem, sign_up


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/v1/builds", "GET, HEAD, POST"),
        ("PUT", "/v1/builds", "GET, HEAD, POST"),
        ("POST", f"/v1/builds/{uuid.uuid4()}", "GET, HEAD, PUT, PATCH, DELETE"),
        ("POST", "/v1/me", "GET, HEAD, PATCH, DELETE"),
        ("DELETE", "/v1/tokens", "GET, HEAD, POST"),
        ("PUT", f"/v1/compositions/{uuid.uuid4()}/evaluation", "GET, HEAD"),
        ("DELETE", "/v1/roles", "GET, HEAD"),
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


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_head_answers_the_headers_of_get_without_a_body(
    cluster: Cluster, http: httpx.Client, encoding: str
) -> None:
    account = sign_up(cluster.a.url, f"header-{encoding}")
    headers = {**account.headers, "Accept-Encoding": encoding}
    url = f"{cluster.a.url}/v1/builds/{create_build(cluster.a.url, account)['id']}"

    got = http.get(url, headers=headers)
    head = http.head(url, headers=headers)

    assert got.status_code == head.status_code == 200
    assert head.content == b""
    names = ("content-type", "content-length", "content-encoding", "etag", "cache-control", "vary")
    for name in names:
        assert head.headers.get(name) == got.headers.get(name), name
    assert got.headers.get("content-encoding") == (None if encoding == "identity" else "gzip")
    assert int(head.headers["content-length"]) == got.num_bytes_downloaded > 0
    # Conditional HEAD, like conditional GET.
    cached = http.head(url, headers={**headers, "If-None-Match": got.headers["etag"]})
    assert cached.status_code == 304
    missing = http.head(f"{cluster.a.url}/v1/builds/{uuid.uuid4()}", headers=headers)
    assert missing.status_code == 404
    assert missing.content == b""
