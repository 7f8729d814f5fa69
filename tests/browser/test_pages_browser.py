"""The acceptance of the pages in a real Chromium: a new user builds a 25-player squad from a
pasted roster, copies a chat code, moves members and sees the evaluation change, saves the
squad, shares the unlisted link and opens it signed out; the docs render with the network cut
off."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.support.live_server import LiveServer

PASSWORD = "correct horse battery"
FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"

SPECS = ["Firebrand", "Scrapper", "Scourge", "Tempest", "Druid", "Reaper", "Herald", "Chronomancer"]
ROSTER = "\n".join(
    f"Player {n}: {SPECS[n % len(SPECS)]}, {SPECS[(n * 3 + 1) % len(SPECS)]}" for n in range(1, 26)
)


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


def _drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag ``source`` onto ``target`` with the mouse, in steps, as a person would."""
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    assert start is not None
    assert end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=10)
    page.mouse.up()


def _score(page: Page) -> str:
    return page.locator("#score").inner_text()


def test_a_new_user_builds_moves_saves_and_shares_a_squad(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    signed_up = httpx.post(
        f"{server.url}/v1/users", json={"name": "ann", "password": PASSWORD}, timeout=30
    )
    assert signed_up.status_code == 201, signed_up.text
    # Wide enough for six parties in one row: a drag from one to another never scrolls.
    context = browser.new_context(base_url=server.url, viewport={"width": 1920, "height": 1200})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.goto("/")
    _shot(page, tmp_path, "start")
    page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    _shot(page, tmp_path, "signin")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as ann")).to_be_visible()

    page.goto("/squads/new")
    page.get_by_label("Or paste a roster").fill(ROSTER)
    page.get_by_role("button", name="Build", exact=True).click()
    cards = page.locator(".card")
    expect(cards).to_have_count(25, timeout=30_000)
    expect(page.locator(".party")).to_have_count(5)
    _shot(page, tmp_path, "plan")

    first = cards.first
    code = first.locator(".copy").get_attribute("data-code")
    assert code is not None
    assert code.startswith("[&")
    first.locator(".copy").click()
    expect(first.locator(".copy")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code

    # The keyboard control: move party 1's first member to a new party.
    before = _score(page)
    mover = first.get_attribute("data-player")
    first.get_by_label(re.compile("^Move .* to$")).select_option("new")
    first.get_by_role("button", name="Move").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".party")).to_have_count(6)
    expect(page.locator("#score")).not_to_have_text(before)
    expect(page.locator('.party[data-party="6"] .card')).to_have_attribute("data-player", mover)
    # Drag and drop: party 2's first member into party 6, which has room.
    dragged = page.locator('.party[data-party="2"] .card').first
    dragged_player = dragged.get_attribute("data-player")
    _drag(page, dragged.locator(".badge"), page.locator("#party-6"))
    expect(page.locator('.party[data-party="6"] .card')).to_have_count(2)
    expect(
        page.locator(f'.party[data-party="6"] .card[data-player="{dragged_player}"]')
    ).to_have_count(1)
    _shot(page, tmp_path, "moved")

    page.get_by_label("Name", exact=True).fill("tonight")
    page.get_by_label("Who sees it").select_option("unlisted")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/squads/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name="tonight")).to_be_visible()
    expect(page.locator(".party")).to_have_count(6)
    link = page.get_by_label("Link").input_value()
    assert link == page.url
    _shot(page, tmp_path, "board")

    private = httpx.post(
        f"{server.url}/v1/compositions",
        headers={"Authorization": f"Bearer {signed_up.json()['token']['token']}"},
        json={
            "name": "secret plan",
            "visibility": "private",
            "parties": [{"members": [{"archetype": "firebrand-stab", "player": "Ann"}]}],
        },
        timeout=30,
    )
    assert private.status_code == 201, private.text
    build = httpx.post(
        f"{server.url}/v1/builds",
        headers={"Authorization": f"Bearer {signed_up.json()['token']['token']}"},
        json={"name": "my firebrand", "chat_code": FIREBRAND, "visibility": "unlisted"},
        timeout=30,
    )
    assert build.status_code == 201, build.text

    # Signed out, on a phone.
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    visitor = stranger.new_page()
    visitor.goto(link)
    expect(visitor.get_by_role("heading", name="tonight")).to_be_visible()
    expect(visitor.locator(".card")).to_have_count(25)
    expect(visitor.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    # Nothing is wider than the phone: no sideways scrolling.
    assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _shot(visitor, tmp_path, "shared")
    visitor.goto(f"{server.url}/squads/{private.json()['id']}")
    expect(visitor.get_by_role("heading", name="Not found")).to_be_visible()
    expect(visitor.get_by_text("secret plan")).to_have_count(0)
    _shot(visitor, tmp_path, "not-found")
    visitor.goto(f"{server.url}/builds/{build.json()['id']}")
    expect(visitor.get_by_role("heading", name="my firebrand")).to_be_visible()
    expect(visitor.get_by_role("rowheader", name="Firebrand (elite)")).to_be_visible()
    _shot(visitor, tmp_path, "build")
    stranger.close()
    context.close()


def _offline(page: Page, base: str) -> list[str]:
    """Abort every request that is not to ``base``'s host; the aborted ones (type and URL)."""
    host = urlparse(base).hostname
    blocked: list[str] = []

    def route(request_route: Route) -> None:
        if urlparse(request_route.request.url).hostname == host:
            request_route.continue_()
        else:
            blocked.append(f"{request_route.request.resource_type} {request_route.request.url}")
            request_route.abort()

    page.route("**/*", route)
    return blocked


def test_the_docs_render_with_the_network_cut_off(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    page = browser.new_page()
    blocked = _offline(page, server.url)
    page.goto(f"{server.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("gw2wvw", timeout=30_000)
    expect(page.locator(".opblock").first).to_be_visible()
    _shot(page, tmp_path, "docs")
    page.goto(f"{server.url}/redoc")
    expect(page.locator("h1").first).to_contain_text("gw2wvw", timeout=30_000)
    expect(page.get_by_text("Store a build").first).to_be_attached()
    _shot(page, tmp_path, "redoc")
    # ReDoc's "built with Redocly" footer links its logo from a CDN: cosmetic, and blocked.
    # Nothing the pages need (scripts, styles, fonts, the OpenAPI document) came from elsewhere.
    assert [entry for entry in blocked if not entry.startswith("image ")] == []
    page.close()
