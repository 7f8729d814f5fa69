"""The fight and event pages in a real Chromium: a fight uploaded through the API shows its
review with the server-drawn boon charts, and a member signs up for a raid night through the
event page's form."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.support.live_server import LiveServer

PASSWORD = "correct horse battery"
LOG = Path(__file__).resolve().parents[1] / "fixtures" / "fightlogs" / "ebg-2025-11-04.ei.json"


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


def _ready_fight(base: str, headers: dict[str, str]) -> str:
    """Upload the EBG log and wait for the server's import job; the fight's id."""
    uploaded = httpx.post(
        f"{base}/v1/fights",
        content=LOG.read_bytes(),
        headers={**headers, "Content-Type": "application/json"},
        params={"visibility": "unlisted"},
        timeout=60,
    )
    assert uploaded.status_code == 202, uploaded.text
    location = uploaded.headers["location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}{location}", headers=headers, timeout=30).json()["status"]
        if status != "pending":
            assert status == "ready"
            return str(uploaded.json()["id"])
        time.sleep(0.2)
    raise AssertionError("the fight stayed pending")


def test_a_member_reviews_a_fight_and_signs_up_for_a_raid_night(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    signed_up = httpx.post(
        f"{server.url}/v1/users", json={"name": "ann", "password": PASSWORD}, timeout=30
    )
    assert signed_up.status_code == 201, signed_up.text
    headers = {"Authorization": f"Bearer {signed_up.json()['token']['token']}"}
    fight_id = _ready_fight(server.url, headers)
    event = httpx.post(
        f"{server.url}/v1/events",
        headers=headers,
        json={
            "name": "Reset night",
            "starts_at": "2026-12-04T19:00:00Z",
            "time_zone": "Europe/Berlin",
            "mode": "guild_raid",
            "size": 15,
            "visibility": "unlisted",
        },
        timeout=30,
    )
    assert event.status_code == 201, event.text

    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"/fights/{fight_id}")
    expect(page.get_by_text("Against the zerg targets, without a plan.")).to_be_visible()
    charts = page.locator("svg.boon-chart")
    expect(charts.first).to_be_visible()
    # Drawn by the server: the bars have a size before any script could have run.
    box = charts.first.locator("rect.measured").first.bounding_box()
    assert box is not None
    assert box["width"] > 0
    _shot(page, tmp_path, "fight")

    page.goto(f"/events/{event.json()['id']}")
    # 19:00 UTC is 20:00 in Berlin in December.
    expect(page.get_by_text("Friday 04 December 2026, 20:00 (Europe/Berlin)")).to_be_visible()
    page.locator("#main").get_by_role("link", name="Sign in").click()
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Reset night")).to_be_visible()
    page.get_by_label("Specializations you can play").fill("Firebrand, Scourge")
    page.get_by_label("Status").select_option("late")
    page.get_by_label("Note").fill("after dinner")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Signed up (1)")).to_be_visible()
    row = page.locator("table.signups tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Firebrand")
    expect(row).to_contain_text("late")
    expect(row).to_contain_text("after dinner")
    expect(page.get_by_role("button", name="Change sign-up")).to_be_visible()
    _shot(page, tmp_path, "event")
    context.close()
