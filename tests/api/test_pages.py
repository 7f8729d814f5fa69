"""The server-rendered pages: every page renders, visibility as in the JSON API, sign-in with
session cookies, CSRF refusals and the security headers. On SQLite and on PostgreSQL."""

from __future__ import annotations

import html
import json
import re

import httpx
from fastapi import FastAPI

from tests.api.conftest import FIREBRAND, PASSWORD, Account, client_for, sign_up

ROSTER = "\n".join(
    [
        "Ann: Firebrand, Scrapper",
        "Bob Scourge",
        "Cy\tTempest Druid",
        "# a comment",
        "",
        "Dee Firebrand",
        "Eve Reaper",
    ]
)


def csrf_of(html: str) -> str:
    """The CSRF token a page carries."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def _page(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, str]:
    response = await client.get(path)
    return response, csrf_of(response.text)


async def _sign_in(
    client: httpx.AsyncClient, name: str, password: str = PASSWORD
) -> httpx.Response:
    _, token = await _page(client, "/signin")
    return await client.post(
        "/signin", data={"name": name, "password": password, "csrf": token, "next": "/squads/new"}
    )


def _assert_page_headers(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["content-type"].startswith("text/html")


async def test_the_start_page_and_the_forms_render_with_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/", "/signin", "/squads/new"):
        response = await client.get(path)
        assert response.status_code == 200, path
        _assert_page_headers(response)
        # Scripts and styles come from this origin only, from files.
        assert re.findall(r'<script src="([^"]+)"', response.text) == ["/static/pages/board.js"]
        assert "<script>" not in response.text
    assert (await client.get("/static/pages/board.js")).status_code == 200
    assert (await client.get("/static/pages/pages.css")).status_code == 200


async def test_a_csrf_cookie_is_set_once_and_forms_without_it_are_refused(
    client: httpx.AsyncClient,
) -> None:
    first, token = await _page(client, "/squads/new")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"gw2wvw_csrf={token};")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    again, same = await _page(client, "/")
    assert same == token
    assert "set-cookie" not in again.headers
    for path, data in [
        ("/squads/new", {"size": "10", "mode": "zerg"}),
        ("/signin", {"name": "ann", "password": PASSWORD}),
        ("/signout", {}),
        ("/squads", {"composition": "{}"}),
    ]:
        missing = await client.post(path, data=data)
        assert missing.status_code == 403, path
        forged = await client.post(path, data={**data, "csrf": "forged"})
        assert forged.status_code == 403, path
    # A browser without the cookie (another site's form) is refused even with a token.
    async with client_for(client._transport.app) as stranger:  # type: ignore[attr-defined]
        refused = await stranger.post("/squads/new", data={"size": "10", "csrf": token})
        assert refused.status_code == 403
    fragment = await client.post("/squads/evaluation", json={"parties": []})
    assert fragment.status_code == 403


async def test_sign_in_sets_a_session_cookie_and_sign_out_revokes_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client, "ann")
    wrong = await _sign_in(client, "ann", "not the password")
    assert wrong.status_code == 401
    assert "wrong user name or password" in wrong.text
    assert "gw2wvw_session" not in wrong.headers.get("set-cookie", "")
    signed_in = await _sign_in(client, "ann")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/squads/new"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("gw2wvw_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    page = await client.get("/")
    assert "Signed in as ann" in page.text
    session = client.cookies["gw2wvw_session"]
    signed_out = await client.post("/signout", data={"csrf": csrf_of(page.text)})
    assert signed_out.status_code == 303
    assert "Signed in as" not in (await client.get("/")).text
    # The session's token is revoked: the old cookie no longer signs anyone in.
    client.cookies.set("gw2wvw_session", session)
    assert "Signed in as" not in (await client.get("/")).text


async def test_the_session_cookie_is_secure_over_https(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        await sign_up(client, "ann")
        signed_in = await _sign_in(client, "ann")
        assert signed_in.status_code == 303
        assert "Secure" in signed_in.headers["set-cookie"]


async def test_sign_in_is_throttled_as_the_api_is(make_app: object) -> None:
    app = await make_app(throttle_sign_in="2/minute")  # type: ignore[operator]
    async with client_for(app) as client:
        await sign_up(client, "ann")
        for _ in range(2):
            assert (await _sign_in(client, "ann", "wrong wrong wrong")).status_code == 401
        throttled = await _sign_in(client, "ann", "wrong wrong wrong")
        assert throttled.status_code == 429
        assert int(throttled.headers["retry-after"]) >= 1
        assert "too many sign-in attempts" in throttled.text


async def test_a_roster_builds_a_board_which_a_signed_in_user_saves(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, "ann")
    await _sign_in(client, "ann")
    _, token = await _page(client, "/squads/new")
    built = await client.post("/squads/new", data={"csrf": token, "mode": "zerg", "roster": ROSTER})
    assert built.status_code == 200, built.text
    _assert_page_headers(built)
    for player in ("Ann", "Bob", "Cy", "Dee", "Eve"):
        assert f'data-player="{player}"' in built.text
    assert "Copy code" in built.text
    assert "Boon uptime" in built.text
    assert "<meter" in built.text
    assert 'id="save"' in built.text
    meta = json.loads(re.search(r'id="squad-meta">([^<]*)<', built.text).group(1))  # type: ignore[union-attr]
    assert meta["mode"] == "zerg"
    composition = {
        **meta,
        "parties": [
            {"members": [{"player": "Ann", "archetype": "firebrand-stab", "commander": False}]}
        ],
    }
    saved = await client.post(
        "/squads",
        data={
            "csrf": token,
            "name": "tonight",
            "visibility": "unlisted",
            "composition": json.dumps(composition),
        },
    )
    assert saved.status_code == 303, saved.text
    location = saved.headers["location"]
    assert re.fullmatch(r"/squads/[0-9a-f-]{36}", location)
    board = await client.get(location)
    assert board.status_code == 200
    assert "tonight" in board.text
    assert "unlisted" in board.text
    assert f"http://testserver{location}" in board.text


async def test_a_bad_roster_is_shown_with_its_lines(client: httpx.AsyncClient) -> None:
    _, token = await _page(client, "/squads/new")
    bad = await client.post(
        "/squads/new",
        data={"csrf": token, "roster": "Ann Firebrnd\nAnn Scourge\nlonely\nAnn Scourge"},
    )
    assert bad.status_code == 422
    assert "line 1:" in bad.text
    assert "line 3: give a name" in bad.text
    assert "line 4: Ann is listed twice" in bad.text
    no_size = await client.post("/squads/new", data={"csrf": token, "size": "many"})
    assert no_size.status_code == 422
    assert "give a squad size" in no_size.text


async def test_a_size_builds_a_board_and_the_evaluation_follows_a_move(
    client: httpx.AsyncClient,
) -> None:
    _, token = await _page(client, "/squads/new")
    built = await client.post("/squads/new", data={"csrf": token, "mode": "zerg", "size": "10"})
    assert built.status_code == 200
    assert "Sign in</a> to save" in built.text
    members = re.findall(r'data-player="([^"]+)"\s+data-archetype="([^"]+)"', built.text)
    assert len(members) == 10
    parties = [
        {"members": [{"player": p, "archetype": a} for p, a in members[:5]]},
        {"members": [{"player": p, "archetype": a} for p, a in members[5:]]},
    ]
    headers = {"X-CSRF-Token": token}
    before = await client.post(
        "/squads/evaluation", json={"mode": "zerg", "parties": parties}, headers=headers
    )
    assert before.status_code == 200
    moved = [
        {"members": parties[0]["members"][:4]},
        {"members": [parties[0]["members"][4], *parties[1]["members"]][:5]},
        {"members": parties[1]["members"][4:]},
    ]
    after = await client.post(
        "/squads/evaluation", json={"mode": "zerg", "parties": moved}, headers=headers
    )
    assert after.status_code == 200
    assert 'id="party-3"' in after.text
    assert 'id="party-3"' not in before.text
    bad = await client.post(
        "/squads/evaluation",
        json={"parties": [{"members": [{"archetype": "nope"}]}]},
        headers=headers,
    )
    assert bad.status_code == 422


async def test_squad_pages_keep_the_visibility_rules(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    made = {}
    for visibility in ("private", "unlisted", "public"):
        response = await client.post(
            "/v1/compositions",
            headers=alice.headers,
            json={
                "name": f"{visibility} squad",
                "visibility": visibility,
                "parties": [{"members": [{"archetype": "firebrand-stab", "player": "Ann"}]}],
            },
        )
        assert response.status_code == 201, response.text
        made[visibility] = response.json()["id"]
    for visibility in ("unlisted", "public"):
        page = await client.get(f"/squads/{made[visibility]}")
        assert page.status_code == 200
        assert f"{visibility} squad" in page.text
    hidden = await client.get(f"/squads/{made['private']}")
    assert hidden.status_code == 404
    assert "private squad" not in hidden.text
    _assert_page_headers(hidden)
    assert (await client.get("/squads/not-an-id")).status_code == 404


async def test_the_build_page_names_traits_and_skills_and_keeps_visibility(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    ids, codes = {}, {}
    for visibility in ("private", "unlisted"):
        response = await client.post(
            "/v1/builds",
            headers=alice.headers,
            json={"name": f"{visibility} fb", "chat_code": FIREBRAND, "visibility": visibility},
        )
        assert response.status_code == 201, response.text
        ids[visibility] = response.json()["id"]
        codes[visibility] = response.json()["chat_code"]
    page = await client.get(f"/builds/{ids['unlisted']}")
    assert page.status_code == 200
    _assert_page_headers(page)
    assert "Firebrand" in page.text
    assert "<dt>Elite</dt><dd>Mantra of Liberation</dd>" in page.text
    assert html.escape(codes["unlisted"]) in page.text
    assert (await client.get(f"/builds/{ids['private']}")).status_code == 404
    assert (await client.get("/builds/x")).status_code == 404


async def test_a_composition_with_builds_shows_them_without_moves(
    client: httpx.AsyncClient, alice: Account
) -> None:
    build = await client.post(
        "/v1/builds",
        headers=alice.headers,
        json={"name": "fb", "chat_code": FIREBRAND, "visibility": "public"},
    )
    made = await client.post(
        "/v1/compositions",
        headers=alice.headers,
        json={
            "name": "with builds",
            "visibility": "public",
            "parties": [{"members": [{"build_id": build.json()["id"], "role": "stab-support"}]}],
        },
    )
    assert made.status_code == 201, made.text
    page = await client.get(f"/squads/{made.json()['id']}")
    assert page.status_code == 200
    assert f"/builds/{build.json()['id']}" in page.text
    assert 'data-movable="false"' in page.text


async def test_saving_needs_a_session_and_a_readable_board(client: httpx.AsyncClient) -> None:
    _, token = await _page(client, "/squads/new")
    board = json.dumps({"parties": [{"members": [{"archetype": "firebrand-stab"}]}]})
    signed_out = await client.post("/squads", data={"csrf": token, "composition": board})
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/signin?next=/squads/new"
    await sign_up(client, "ann")
    await _sign_in(client, "ann")
    for garbage in ("not json", "[1]", json.dumps({"parties": []})):
        refused = await client.post("/squads", data={"csrf": token, "composition": garbage})
        assert refused.status_code == 422, garbage
        assert "Not saved" in refused.text
    listed = await client.get("/v1/compositions")
    assert listed.json()["items"] == []


async def test_roster_edge_cases_are_named(client: httpx.AsyncClient) -> None:
    _, token = await _page(client, "/squads/new")
    empty = await client.post("/squads/new", data={"csrf": token, "roster": "# nobody\n\n"})
    assert empty.status_code == 422
    assert "the roster is empty" in empty.text
    long_name = await client.post(
        "/squads/new", data={"csrf": token, "roster": f"{'x' * 65}: Firebrand"}
    )
    assert long_name.status_code == 422
    assert "at most 64 characters" in long_name.text
    too_big = await client.post("/squads/new", data={"csrf": token, "size": "500"})
    assert too_big.status_code == 422
    assert "size" in too_big.text


async def test_signing_out_with_a_broken_session_cookie_just_clears_it(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, "ann")
    await _sign_in(client, "ann")
    page = await client.get("/")
    value = client.cookies["gw2wvw_session"]
    client.cookies.set("gw2wvw_session", "not-a-uuid." + value.partition(".")[2])
    signed_out = await client.post("/signout", data={"csrf": csrf_of(page.text)})
    assert signed_out.status_code == 303
    assert 'gw2wvw_session=""' in signed_out.headers["set-cookie"]


async def test_player_names_are_escaped_on_the_board(client: httpx.AsyncClient) -> None:
    _, token = await _page(client, "/squads/new")
    built = await client.post(
        "/squads/new",
        data={"csrf": token, "roster": '<img src=x onerror="alert(1)">: Firebrand\nBob Scourge'},
    )
    assert built.status_code == 200, built.text
    assert "<img src=x" not in built.text
    assert "&lt;img src=x onerror=" in built.text
