"""Coverage, squad totals, findings and the score of compositions, computed by hand."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gw2wvw.builds import Build
from gw2wvw.gamedata import GameData
from gw2wvw.squad import (
    Composition,
    CompositionError,
    RolesTable,
    Targets,
    evaluate,
    load_roles,
)
from gw2wvw.squad.targets import DEFAULT_TARGETS, targets_for


def composition(*parties: list[str], **extra: Any) -> Composition:
    return Composition.model_validate(
        {"parties": [{"members": [{"archetype": a} for a in party]} for party in parties], **extra}
    )


def test_one_full_party(tiny_roles: RolesTable, tiny_targets: Targets) -> None:
    result = evaluate(
        composition(["stab", "heal", "dps", "dps", "strip"]), tiny_roles, tiny_targets
    )
    (party,) = result.parties
    assert all(party.coverage.values())
    assert party.details["might"].amount == 3 + 2 + 1 + 1
    assert party.details["healing"].amount == 4
    assert [p.archetype for p in party.details["stability"].providers] == ["stab"]
    assert party.details["stability"].providers[0].member == 1
    # damage 3 + 3 + 2 of 2 per member: 8 of 10.
    assert result.squad["damage"].total == 8
    assert result.squad["damage"].target == 10
    assert result.squad["damage"].achieved == pytest.approx(0.8)
    assert result.score == pytest.approx(95.0)
    assert sum(p.points for p in result.parts) == pytest.approx(result.score)
    assert [f.message for f in result.findings] == ["the squad has 8 damage of 10 wanted (80%)"]


def test_two_parties_one_short(tiny_roles: RolesTable, tiny_targets: Targets) -> None:
    result = evaluate(
        composition(
            ["stab", "heal", "dps", "dps", "strip"], ["quick", "dps", "dps", "roam", "strip"]
        ),
        tiny_roles,
        tiny_targets,
    )
    second = result.parties[1]
    assert second.coverage == {
        "stability": False,
        "quickness": True,
        "alacrity": False,
        "might": True,
        "healing": False,
    }
    assert second.details["healing"].achieved == pytest.approx(1 / 3)
    parts = {p.name: p for p in result.parts}
    assert parts["party stability"].points == pytest.approx(10)
    assert parts["party healing"].points == pytest.approx(10 * (1 + 1 / 3) / 2)
    assert parts["party stability"].explanation == "1 of 2 parties meet 2"
    assert parts["squad damage"].points == pytest.approx(25 * 19 / 20)
    assert result.score == pytest.approx(10 + 10 + 5 + 10 + 20 / 3 + 23.75 + 10 + 5)
    messages = [(f.severity, f.message) for f in result.findings]
    assert messages == [
        ("critical", "party 2 has no stability"),
        ("critical", "party 2 has no alacrity"),
        ("warning", "party 2 has healing rated 1 of 3 wanted"),
        ("warning", "the squad has 19 damage of 20 wanted (95%)"),
    ]


def test_wasted_providers_free_slots_and_missing_healer(
    tiny_roles: RolesTable, tiny_targets: Targets
) -> None:
    result = evaluate(
        composition(["stab", "quick", "quick", "dps"], ["stab", "dps"]), tiny_roles, tiny_targets
    )
    messages = {f.message for f in result.findings}
    assert "party 1 has three quickness providers; two are wasted" in messages
    assert "party 1 has 4 members; 1 slot is free" in messages
    assert "party 2 has 2 members; 3 slots are free" in messages
    assert "party 2 has no healer" not in messages  # the stab support heals a little
    assert "party 2 has healing rated 1 of 3 wanted" in messages
    pair = evaluate(composition(["stab", "quick", "dps"]), tiny_roles, tiny_targets)
    assert "party 1 has two quickness providers; one is wasted" in {
        f.message for f in pair.findings
    }
    lonely = evaluate(composition(["dps"]), tiny_roles, tiny_targets)
    assert "party 1 has no healer" in {f.message for f in lonely.findings}
    assert "party 1 has 1 stacks of might of 5 wanted" in {f.message for f in lonely.findings}


def test_required_requirements_are_critical_even_with_small_weight(
    tiny_roles: RolesTable, tiny_targets: Targets
) -> None:
    targets = Targets.model_validate(
        {
            **tiny_targets.model_dump(),
            "party": {**tiny_targets.model_dump()["party"], "vigor": {"weight": 1}},
            "required": ["vigor"],
        }
    )
    result = evaluate(composition(["stab", "heal", "dps", "dps", "strip"]), tiny_roles, targets)
    assert ("critical", "party 1 has no vigor") in {
        (f.severity, f.message) for f in result.findings
    }
    small = targets.with_weights({"vigor": 1})
    assert small.required == ("vigor",)


def test_targets_default_to_the_mode_and_can_be_overridden(tiny_roles: RolesTable) -> None:
    squad = composition(["stab", "heal", "dps", "dps", "strip"], mode="roaming")
    assert evaluate(squad, tiny_roles).parts[0].name == "party healing"
    custom_targets = Targets.model_validate({"party": {"quickness": {"weight": 1}}, "squad": {}})
    custom = composition(["dps"], mode="custom", targets=custom_targets.model_dump())
    result = evaluate(custom, tiny_roles)
    assert [p.name for p in result.parts] == ["party quickness"]
    assert result.score == 0
    explicit = evaluate(custom, tiny_roles, DEFAULT_TARGETS["zerg"])
    assert len(explicit.parts) == len(DEFAULT_TARGETS["zerg"].party) + 3


def test_weight_overrides(tiny_targets: Targets) -> None:
    changed = tiny_targets.with_weights({"stability": 0, "damage": 50})
    assert changed.party["stability"].weight == 0
    assert changed.squad["damage"].weight == 50
    with pytest.raises(ValueError, match="no target named lance"):
        tiny_targets.with_weights({"lance": 1})
    assert targets_for("havoc", weights={"damage": 1}).squad["damage"].weight == 1
    with pytest.raises(ValidationError, match="must also have a party target"):
        Targets.model_validate(
            {
                "party": {},
                "squad": {"damage": {"weight": 1, "per_member": 1}},
                "required": ["stability"],
            }
        )
    with pytest.raises(ValidationError, match="positive weight"):
        Targets.model_validate({"party": {"might": {"weight": 0}}, "squad": {}})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"parties": []}, "at least 1 item"),
        ({"parties": [{"members": [{"archetype": "dps"}] * 6}]}, "at most 5 items"),
        ({"parties": [{"members": [{"archetype": "dps"}]}] * 11}, "at most 10 items"),
        ({"parties": [{"members": []}]}, "at least 1 item"),
        ({"parties": [{"members": [{}]}]}, "either an archetype or a build"),
        (
            {"parties": [{"members": [{"archetype": "dps", "role": "damage"}]}]},
            "role goes with a build",
        ),
        (
            {"parties": [{"members": [{"build": {"profession": "Guardian"}}]}]},
            "needs the role it plays",
        ),
        (
            {
                "parties": [
                    {"members": [{"archetype": "dps", "player": "Ann"}]},
                    {"members": [{"archetype": "dps", "player": "ann"}]},
                ]
            },
            "players appear twice: ann",
        ),
        (
            {
                "parties": [
                    {"members": [{"archetype": "dps", "commander": True}] * 2},
                ]
            },
            "one commander, not 2",
        ),
        ({"mode": "custom", "parties": [{"members": [{"archetype": "dps"}]}]}, "needs targets"),
        ({"mode": "raid", "parties": [{"members": [{"archetype": "dps"}]}]}, "Input should be"),
        ({"parties": [{"members": [{"archetype": "Bad Id"}]}]}, "should match pattern"),
    ],
)
def test_invalid_shapes_are_refused_precisely(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Composition.model_validate(document)


def test_unknown_archetypes_and_unmatched_builds_are_composition_errors(
    tiny_roles: RolesTable,
) -> None:
    squad = Composition.model_validate(
        {
            "parties": [
                {"members": [{"archetype": "dps"}, {"archetype": "nope"}]},
                {"members": [{"build": {"profession": "Thief"}, "role": "damage"}]},
            ]
        }
    )
    with pytest.raises(CompositionError) as caught:
        evaluate(squad, tiny_roles)
    assert caught.value.errors == [
        ("/parties/0/members/1/archetype", "no archetype 'nope'"),
        ("/parties/1/members/0/build", "the build matches no archetype of the roles table"),
    ]


def test_a_build_member_counts_as_the_archetype_it_matches(data: GameData) -> None:
    roles = load_roles()
    firebrand = next(a for a in roles.archetypes if a.id == "firebrand-stab")
    build = Build.from_chat_code(firebrand.example.chat_code, data)
    by_build = Composition.model_validate(
        {"parties": [{"members": [{"build": build.model_dump(), "role": "stab-support"}]}]}
    )
    by_id = composition(["firebrand-stab"])
    assert evaluate(by_build, roles).score == evaluate(by_id, roles).score
    assert evaluate(by_build, roles).parties[0].details["stability"].providers[0].archetype == (
        "firebrand-stab"
    )
    other_role = Composition.model_validate(
        {"parties": [{"members": [{"build": build.model_dump(), "role": "roamer"}]}]}
    )
    # No firebrand roamer: the closest archetype of that specialization stands in.
    provider = evaluate(other_role, roles).parties[0].details["stability"].providers[0]
    assert roles[provider.archetype].specialization == firebrand.specialization
    assert by_build.size == 1
