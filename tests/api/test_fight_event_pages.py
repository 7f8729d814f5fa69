"""The fight page (``/fights/{id}``: a review with and without a plan, pending and failed
fights) and the event page (``/events/{id}``: sign-ups, the plan, the sign-up form with its
CSRF token, a locked event), with the visibility rules of the JSON API. On SQLite and on
PostgreSQL."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.pages.charts import LABEL, ROW, WIDTH, party_chart

from gw2wvw.fights.report import FightReport
from gw2wvw.fights.review import GoalReview, PartyReview, composition_of
from gw2wvw.store import (
    Actor,
    CompositionCreate,
    CompositionPatch,
    FightCreate,
    FightRead,
    RaidCreate,
    RaidRead,
)
from gw2wvw.store.importing import import_fight, pack
from gw2wvw.store.schemas import SignupIn, Visibility
from tests.api.conftest import Account, client_for, sign_up, store_of
from tests.api.test_pages import _sign_in, csrf_of

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "fightlogs"
EBG = (LOGS / "ebg-2025-11-04.ei.json").read_bytes()


async def _fight(
    app: FastAPI, owner: Account, log: bytes = EBG, visibility: Visibility = "private"
) -> FightRead:
    """A fight stored for ``owner`` and run through the import job, as the API's upload does."""
    store = store_of(app)
    fight = await store.fights.create(
        owner.actor, FightCreate(source="ebg.json", visibility=visibility), pack(log), len(log)
    )
    return await import_fight(store, fight.id)


Visitor = tuple[httpx.AsyncClient, Account]
"""A signed-in browser of the pages and its account."""


async def _signed_in(app: FastAPI, name: str) -> AsyncIterator[Visitor]:
    async with client_for(app) as client:
        account = await sign_up(client, name)
        assert (await _sign_in(client, name)).status_code == 303
        yield client, account


@pytest.fixture
async def ann_in(app: FastAPI) -> AsyncIterator[Visitor]:
    """Ann, signed in to the pages."""
    async for visitor in _signed_in(app, "ann"):
        yield visitor


@pytest.fixture
async def bob_in(app: FastAPI) -> AsyncIterator[Visitor]:
    """Bob, signed in to the pages."""
    async for visitor in _signed_in(app, "bob"):
        yield visitor


def _text(page: str) -> str:
    """The page's text, tags taken out and white space folded (what a reader sees)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_a_fight_is_reviewed_against_the_mode_with_a_server_drawn_chart(
    app: FastAPI, client: httpx.AsyncClient, ann_in: Visitor
) -> None:
    pages, owner = ann_in
    fight = await _fight(app, owner)
    assert fight.status == "ready"
    report = FightReport.model_validate(fight.report)
    page = await pages.get(f"/fights/{fight.id}")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "Against the zerg targets, without a plan." in text
    # One section per group of the fight, each with its members and their specializations.
    assert page.text.count('class="party review"') == len(report.parties)
    for party in report.parties:
        assert f"Group {party.group}" in text
        for member in party.members:
            assert f"{member.name}" in text
            assert member.specialization in text
    # The chart is SVG in the page: bars for the measured boons and a line for each target.
    assert page.text.count("<svg") == len(report.parties)
    assert 'class="measured"' in page.text
    assert 'class="target"' in page.text
    assert "<script>" not in page.text
    first = report.parties[0]
    measured = first.uptime["quickness"]
    assert f"quickness: {measured:.0f}% measured" in text
    havoc = await pages.get(f"/fights/{fight.id}", params={"mode": "havoc"})
    assert "Against the havoc targets" in _text(havoc.text)
    wrong = await pages.get(f"/fights/{fight.id}", params={"mode": "picnic"})
    assert wrong.status_code == 422
    assert "mode 'picnic' is not one of" in _text(wrong.text)


async def test_a_fight_is_reviewed_against_a_plan_with_missing_and_unplanned_players(
    app: FastAPI, ann_in: Visitor, bob_in: Visitor
) -> None:
    pages, owner = ann_in
    fight = await _fight(app, owner)
    report = FightReport.model_validate(fight.report)
    own = composition_of(report)
    left_out = own.parties[0].members[-1]
    parties = [
        {
            "members": [
                {"player": m.player, "archetype": m.archetype, "commander": m.commander}
                for m in party.members
                if m is not left_out
            ]
        }
        for party in own.parties
    ]
    parties[0]["members"].append({"player": "Nobody", "archetype": "scrapper-heal-superspeed"})
    plan = await store_of(app).compositions.create(
        owner.actor,
        CompositionCreate.model_validate({"name": "the plan", "mode": "zerg", "parties": parties}),
    )
    page = await pages.get(f"/fights/{fight.id}", params={"plan": str(plan.id)})
    assert page.status_code == 200, page.text
    text = _text(page.text)
    planned = sum(len(p["members"]) for p in parties)
    assert f"Plan the plan (zerg): {planned - 1} of {planned} planned members found" in text
    assert f'href="/squads/{plan.id}"' in page.text
    assert "Missing Nobody" in text
    assert f"Unplanned {left_out.player}" in text
    assert 'class="planned"' in page.text
    # Another's private plan, a plan that does not exist or no id: the 404 page.
    others, other = bob_in
    theirs = await store_of(app).compositions.create(
        other.actor,
        CompositionCreate.model_validate({"name": "bob's", "mode": "zerg", "parties": parties}),
    )
    for plan_id in (str(theirs.id), str(uuid.uuid4()), "not-an-id"):
        missing = await pages.get(f"/fights/{fight.id}", params={"plan": plan_id})
        assert missing.status_code == 404
        assert "squad" in missing.text
    # Bob may see neither the fight nor, through it, the plan.
    assert (
        await others.get(f"/fights/{fight.id}", params={"plan": str(plan.id)})
    ).status_code == 404


async def test_pending_and_failed_fights_show_their_status(app: FastAPI, ann_in: Visitor) -> None:
    pages, owner = ann_in
    store = store_of(app)
    pending = await store.fights.create(
        owner.actor, FightCreate(source="later.json"), pack(EBG), len(EBG)
    )
    page = await pages.get(f"/fights/{pending.id}")
    assert page.status_code == 200
    assert "This fight is pending" in _text(page.text)
    assert "<svg" not in page.text
    failed = await _fight(app, owner, b"{}")
    assert failed.status == "failed"
    assert failed.reason
    page = await pages.get(f"/fights/{failed.id}", params={"plan": str(uuid.uuid4())})
    assert page.status_code == 200
    text = _text(page.text)
    assert "This fight failed" in text
    assert failed.reason in text


async def test_a_private_fight_is_the_404_page_for_others(
    app: FastAPI,
    client: httpx.AsyncClient,
    ann_in: Visitor,
    bob_in: Visitor,
) -> None:
    _, owner = ann_in
    others, _ = bob_in
    private = await _fight(app, owner)
    unlisted = await _fight(app, owner, visibility="unlisted")
    for visitor in (client, others):
        hidden = await visitor.get(f"/fights/{private.id}")
        assert hidden.status_code == 404
        assert "not found" in hidden.text.lower()
        assert (await visitor.get(f"/fights/{unlisted.id}")).status_code == 200
    assert (await client.get(f"/fights/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/fights/not-an-id")).status_code == 404


async def _event(
    app: FastAPI, owner: Account, visibility: Visibility = "unlisted", **fields: object
) -> RaidRead:
    return await store_of(app).raids.create(
        owner.actor,
        RaidCreate.model_validate(
            {
                "name": "Reset night",
                "starts_at": datetime(2026, 12, 4, 19, 0, tzinfo=UTC),
                "time_zone": "Europe/Berlin",
                "mode": "guild_raid",
                "size": 15,
                "visibility": visibility,
                **fields,
            }
        ),
    )


async def test_an_event_shows_its_start_sign_ups_and_plan(
    app: FastAPI, client: httpx.AsyncClient, ann_in: Visitor
) -> None:
    pages, owner = ann_in
    event = await _event(app, owner)
    store = store_of(app)
    actor = Actor(user_id=owner.id, name=owner.name)
    await store.raids.sign_up(
        actor, event.id, SignupIn(specializations=("Firebrand", "Scrapper"), note="from 20:00")
    )
    page = await client.get(f"/events/{event.id}")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    # 19:00 UTC is 20:00 in Berlin in December.
    assert "Starts Friday 04 December 2026, 20:00 (Europe/Berlin)" in text
    assert "guild raid · 15 players" in text
    assert "Open for sign-ups." in text
    assert "Signed up (1)" in text
    assert (
        "ann ann Firebrand (stability support), Scrapper (healer, superspeed) coming from 20:00"
        in text
    )
    assert "No plan yet." in text
    # Signed out: no form, a way to sign in.
    assert 'action="/events/' not in page.text
    assert "Sign in to sign up." in text
    await store.raids.plan(actor, event.id, time_limit=5.0)
    planned = await pages.get(f"/events/{event.id}")
    assert 'class="board"' in planned.text
    assert 'data-player="ann"' in planned.text
    assert 'data-movable="false"' in planned.text
    # The owner's form is filled with their sign-up.
    assert 'value="firebrand-stab, scrapper-heal-superspeed"' in planned.text
    assert "Change sign-up" in planned.text
    assert 'data-player="ann"' in (await client.get(f"/events/{event.id}")).text
    # A plan its owner made private afterwards is not shown to others.
    ident = (await store.raids.get(actor, event.id)).composition_id
    assert ident is not None
    await store.compositions.update(actor, ident, CompositionPatch(visibility="private"))
    hidden = await client.get(f"/events/{event.id}")
    assert "The plan is not shared with you." in _text(hidden.text)
    assert 'class="board"' not in hidden.text


async def test_a_member_signs_up_through_the_form_with_its_csrf_token(
    app: FastAPI,
    client: httpx.AsyncClient,
    ann_in: Visitor,
    bob_in: Visitor,
) -> None:
    _, owner = ann_in
    pages, member = bob_in
    event = await _event(app, owner)
    url = f"/events/{event.id}"
    page = await pages.get(url)
    token = csrf_of(page.text)
    form = {"specializations": "Scourge, Tempest", "status": "maybe", "note": "late-ish"}
    for refused in (form, {**form, "csrf": "forged"}):
        answer = await pages.post(f"{url}/signup", data=refused)
        assert answer.status_code == 403
        assert "Form expired" in answer.text
    assert await store_of(app).raids.signups(member.actor, event.id) == []
    signed = await pages.post(f"{url}/signup", data={**form, "csrf": token})
    assert signed.status_code == 303
    assert signed.headers["location"] == url
    (signup,) = await store_of(app).raids.signups(member.actor, event.id)
    assert signup.specializations == ("scourge-strip", "tempest-heal")
    assert (signup.player, signup.status, signup.note) == ("bob", "maybe", "late-ish")
    assert "bob bob Scourge" in _text((await pages.get(url)).text)
    # Bad input is shown on the page with what was typed.
    for bad, message in [
        ({"specializations": " , "}, "name at least one specialization you can play"),
        ({"specializations": "Firebrnd"}, "Firebrnd"),
        ({"specializations": "Scourge", "status": "sleeping"}, "status:"),
    ]:
        answer = await pages.post(f"{url}/signup", data={**form, **bad, "csrf": token})
        assert answer.status_code == 422, bad
        assert message in answer.text, bad
        assert 'role="alert"' in answer.text
    # Signed out, a (valid) form goes to the sign-in page.
    anonymous = await client.post(
        f"{url}/signup", data={**form, "csrf": csrf_of((await client.get(url)).text)}
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/signin?next=/events/{event.id}"
    gone = await pages.post(f"/events/{uuid.uuid4()}/signup", data={**form, "csrf": token})
    assert gone.status_code == 404


async def test_a_locked_event_refuses_sign_ups_but_its_owner(
    app: FastAPI, ann_in: Visitor, bob_in: Visitor
) -> None:
    owners, owner = ann_in
    pages, _ = bob_in
    event = await _event(app, owner)
    await store_of(app).raids.set_locked(owner.actor, event.id, True)
    url = f"/events/{event.id}"
    page = await pages.get(url)
    text = _text(page.text)
    assert "Locked: sign-ups are closed; only ann changes them." in text
    assert f'action="{url}/signup"' not in page.text
    refused = await pages.post(
        f"{url}/signup", data={"specializations": "Scourge", "csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 409
    assert "Reset night is locked: sign-ups cannot change." in _text(refused.text)
    mine = await owners.get(url)
    assert f'action="{url}/signup"' in mine.text
    signed = await owners.post(
        f"{url}/signup", data={"specializations": "Firebrand", "csrf": csrf_of(mine.text)}
    )
    assert signed.status_code == 303


async def test_a_private_event_is_the_404_page_for_others(
    app: FastAPI,
    client: httpx.AsyncClient,
    ann_in: Visitor,
    bob_in: Visitor,
) -> None:
    owners, owner = ann_in
    others, _ = bob_in
    event = await _event(app, owner, visibility="private")
    assert (await owners.get(f"/events/{event.id}")).status_code == 200
    for visitor in (client, others):
        hidden = await visitor.get(f"/events/{event.id}")
        assert hidden.status_code == 404
        assert "not found" in hidden.text.lower()
    assert (await client.get("/events/not-an-id")).status_code == 404


def _goal(planned: float | None, measured: float | None, target: float | None) -> GoalReview:
    gap = None if planned is None or measured is None else measured - planned
    return GoalReview(planned=planned, measured=measured, gap=gap, target=target, unit="x")


def test_the_chart_scales_each_boon_and_leaves_out_boons_without_figures() -> None:
    party = PartyReview(
        party=1,
        group=2,
        shared=5,
        goals={
            "might": _goal(20.0, 10.0, 25.0),
            "quickness": _goal(50.0, 25.0, None),
            "alacrity": _goal(None, None, 80.0),
        },
        changed=(),
        missing=(),
        moved=(),
        unplanned=(),
        lacked=(),
    )
    chart = party_chart(party)
    assert [bar.boon for bar in chart.bars] == ["might", "quickness"]
    might, quickness = chart.bars
    # Stacks scale to the largest figure (the target of 25), uptimes (in percent) to 100.
    assert (might.planned, might.measured, might.target) == (128.0, 64.0, 160.0)
    assert might.text == "10.0 measured, 20.0 planned, target 25.0"
    assert (quickness.planned, quickness.measured, quickness.target) == (80.0, 40.0, None)
    assert quickness.text == "25% measured, 50% planned"
    assert quickness.y == ROW
    assert (chart.width, chart.height) == (LABEL + WIDTH, 2 * ROW)
