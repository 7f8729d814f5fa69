"""Squad posts: every Discord message keeps within Discord's limits (checked by the stand-in's
own reading of them), every chat code stands whole once per member, and the Markdown and text
forms say the same things."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gw2wvw import gamedata
from gw2wvw.builds import Build
from gw2wvw.squad import (
    Composition,
    Evaluation,
    Finding,
    SquadRequest,
    build_squad,
    evaluate,
    load_roles,
)
from gw2wvw.squad.post import (
    SquadPost,
    discord_length,
    discord_messages,
    escape_markdown,
    markdown,
    render_post,
    shorten,
    squad_post,
    text,
)
from tests.support.discord_server import violations

ROLES = load_roles()
ARCHETYPES = tuple(a.id for a in ROLES.archetypes)
PROPERTIES = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
NAME_CHARACTERS = st.characters(exclude_categories=["Cs"], min_codepoint=32) | st.sampled_from(
    "`*_~|>\\[]#@ 😀ü\n"
)
"""Any text a player name could hold, with Markdown's specials, emoji and newlines weighted in."""


@pytest.fixture(scope="module")
def plans() -> dict[int, tuple[Composition, Evaluation]]:
    """Squads the builder makes, of 5 to 50 players."""
    found = {}
    for size, mode in ((5, "roaming"), (13, "havoc"), (25, "guild_raid"), (50, "zerg")):
        plan = build_squad(SquadRequest(size=size, mode=mode, time_limit=5))
        assert plan.composition is not None
        assert plan.evaluation is not None
        found[size] = (plan.composition, plan.evaluation)
    return found


def _named(composition: Composition, names: list[str], name: str) -> Composition:
    """``composition`` with its squad and players renamed (unique players, as the model wants)."""
    document = composition.model_dump(mode="json")
    document["name"] = name
    number = 0
    for party in document["parties"]:
        for member in party["members"]:
            member["player"] = f"{names[number % len(names)]}#{number}"[-64:]
            number += 1
    return Composition.model_validate(document)


def _strings(messages: list[dict[str, Any]]) -> list[str]:
    """Every text of every message: contents, titles, descriptions, field names and values."""
    found = []
    for message in messages:
        found.append(message.get("content", ""))
        for embed in message.get("embeds", []):
            found += [embed.get("title", ""), embed.get("description", "")]
            for field in embed.get("fields", []):
                found += [field["name"], field["value"]]
    return found


def _check_discord(post: SquadPost) -> list[dict[str, Any]]:
    """The post's messages, asserted to pass the stand-in's checks and keep codes whole."""
    messages = discord_messages(post)
    assert messages
    for message in messages:
        assert violations(json.loads(json.dumps(message))) == []
        assert message["allowed_mentions"] == {"parse": []}
    strings = _strings(messages)
    everything = "\n".join(strings)
    for code, members in Counter(post.chat_codes).items():
        # Whole, in a code span, once per member; and only inside field values.
        assert everything.count(f"`{code}`") == members
        assert everything.count(code) == members
        assert sum(s.count(code) for s in strings) == members
    return messages


@PROPERTIES
@given(
    size=st.sampled_from((5, 13, 25, 50)),
    names=st.lists(st.text(NAME_CHARACTERS, min_size=1, max_size=60), min_size=1, max_size=5),
    name=st.text(NAME_CHARACTERS, min_size=1, max_size=100),
    findings=st.lists(
        st.builds(
            Finding,
            severity=st.sampled_from(("critical", "warning", "info")),
            code=st.just("short_test"),
            party=st.none() | st.integers(1, 10),
            message=st.text(NAME_CHARACTERS, min_size=1, max_size=1500),
        ),
        max_size=60,
    ),
)
def test_builder_squads_keep_within_discords_limits(
    plans: dict[int, tuple[Composition, Evaluation]],
    size: int,
    names: list[str],
    name: str,
    findings: list[Finding],
) -> None:
    composition, evaluation = plans[size]
    composition = _named(composition, names, name)
    evaluation = evaluation.model_copy(update={"findings": evaluation.findings + tuple(findings)})
    post = squad_post(composition, evaluation, ROLES)
    assert len(post.chat_codes) == size
    _check_discord(post)


@PROPERTIES
@given(
    picks=st.lists(st.sampled_from(ARCHETYPES), min_size=1, max_size=50),
    long_names=st.booleans(),
)
def test_random_squads_keep_within_discords_limits(picks: list[str], long_names: bool) -> None:
    parties = [picks[i : i + 5] for i in range(0, len(picks), 5)]
    player = ("W" * 60) if long_names else "p"
    document = {
        "name": "N" * 100,
        "mode": "zerg",
        "parties": [
            {
                "members": [
                    {"player": f"{player}{p}.{m}", "archetype": a} for m, a in enumerate(party)
                ]
            }
            for p, party in enumerate(parties)
        ],
    }
    composition = Composition.model_validate(document)
    post = squad_post(composition, evaluate(composition, ROLES), ROLES)
    _check_discord(post)


def test_a_50_player_squad_takes_several_messages_in_party_order(
    plans: dict[int, tuple[Composition, Evaluation]],
) -> None:
    composition, evaluation = plans[50]
    post = squad_post(composition, evaluation, ROLES)
    messages = _check_discord(post)
    assert len(messages) >= 2
    titles = [e["title"] for m in messages for e in m["embeds"]]
    assert titles[0] == "squad"
    assert titles[1:11] == [f"Party {n}" for n in range(1, 11)]
    assert titles[11:] == ["Findings"]
    contents = [m["content"] for m in messages]
    assert contents == [f"**squad** ({n}/{len(messages)})" for n in range(1, len(messages) + 1)]
    summary = messages[0]["embeds"][0]["description"]
    assert summary == f"zerg, 50 players, score {evaluation.score:.1f}/100"


def test_a_party_embed_shows_members_functions_missing_and_key_boons() -> None:
    composition = Composition.model_validate(
        {
            "name": "Friday *raid*",
            "mode": "zerg",
            "parties": [
                {
                    "members": [
                        {"player": "Ann`a", "archetype": "firebrand-stab", "commander": True},
                        {"player": "B_b", "archetype": "Scourge"},
                    ]
                }
            ],
        }
    )
    evaluation = evaluate(composition, ROLES)
    [message] = _check_discord(squad_post(composition, evaluation, ROLES))
    summary, party, findings = message["embeds"]
    assert summary["title"] == "Friday \\*raid\\*"
    assert message["content"] == "**Friday \\*raid\\***"
    first = party["fields"][0]
    assert first["name"] == "1. Ann\\`a (commander)"
    code = ROLES["firebrand-stab"].example.chat_code
    assert first["value"] == f"Firebrand · Firebrand (stability support)\n`{code}`"
    assert party["fields"][1]["value"].startswith("Scourge · ")
    by_name = {f["name"]: f["value"] for f in party["fields"][2:]}
    assert by_name["Functions"].startswith("stability anchor 1")
    assert by_name["Missing"] == escape_markdown(", ".join(evaluation.parties[0].missing))
    might = evaluation.parties[0].boons["might"]
    assert (
        f"might {might.predicted:.1f}/{might.target:g} stacks" in by_name["Key boons (predicted)"]
    )
    assert "alacrity" not in by_name["Key boons (predicted)"]  # zerg sets no alacrity target
    assert findings["title"] == "Findings"
    assert findings["description"].count("\n") == len(evaluation.findings) - 1


def test_a_member_with_a_build_shows_its_own_code_and_none_when_it_cannot_be_encoded() -> None:
    data = gamedata.load()
    code = ROLES["scourge-strip"].example.chat_code
    build = Build.from_chat_code(code, data)
    document = build.model_dump()
    document["skills"]["terrestrial"]["heal"] = 999_999_999  # no palette id: no chat code
    broken = Build.model_validate(document)
    composition = Composition.model_validate(
        {
            "parties": [
                {
                    "members": [
                        {"player": "a", "build": build.model_dump(), "role": "strip"},
                        {"player": "b", "build": broken.model_dump(), "role": "strip"},
                    ]
                }
            ]
        }
    )
    post = squad_post(composition, evaluate(composition, ROLES), ROLES, data)
    members = post.parties[0].members
    assert members[0].chat_code == build.to_chat_code(data)
    assert members[1].chat_code is None
    [message] = _check_discord(post)
    assert "`" not in message["embeds"][1]["fields"][1]["value"]


def test_markdown_and_text_show_every_code_once_per_member(
    plans: dict[int, tuple[Composition, Evaluation]],
) -> None:
    composition, evaluation = plans[25]
    post = squad_post(_named(composition, ["x|y*"], "raid"), evaluation, ROLES)
    document = markdown(post)
    plain = text(post)
    assert render_post(post, "markdown") == document
    assert render_post(post, "text") == plain
    assert render_post(post, "discord") == discord_messages(post)
    for code, members in Counter(post.chat_codes).items():
        assert document.count(f"`{code}`") == members
        assert plain.count(code) == members
    rows = [line for line in document.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 5
    assert rows[0].startswith("| 1 | x\\|y\\*#0 | ")
    assert re.search(r"^  1\. x\|y\*#0: \S", plain, re.MULTILINE)
    assert document.count("### Party ") == 5
    assert plain.count("\nParty ") == 5
    for finding in evaluation.findings:
        assert finding.message in plain


def test_shorten_counts_as_discord_does_and_never_leaves_a_dangling_escape() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcdef", 4) == "abc…"
    assert discord_length("😀") == 2
    assert shorten("😀😀😀", 4) == "😀…"
    assert shorten("ab\\*cd", 4) == "ab…"
