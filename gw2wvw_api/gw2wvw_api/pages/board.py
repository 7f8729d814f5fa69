"""What the squad board shows: each member as a card, from a composition and the roles table."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from gw2wvw.gamedata import GameData
from gw2wvw.squad import Composition, RolesTable
from gw2wvw.store import CompositionRead


@dataclass(frozen=True)
class Card:
    """One member on the board."""

    player: str
    archetype: str | None
    """The archetype id (None for a member with a stored build)."""
    archetype_name: str
    specialization: str
    role: str
    chat_code: str | None
    commander: bool
    build_id: uuid.UUID | None = None
    icon_url: str | None = None
    """The specialization's icon, when the game data carries one (a text badge otherwise)."""

    @property
    def badge(self) -> str:
        """The text badge standing in for the icon: the specialization's first two letters."""
        return self.specialization[:2]


@dataclass(frozen=True)
class Tables:
    """What cards are made from: the roles table and the game data."""

    roles: RolesTable
    data: GameData


def _archetype_card(
    tables: Tables, player: str | None, archetype: str, commander: bool, slot: str
) -> Card:
    found = tables.roles.find(archetype)
    if found is None:  # a composition stored before its archetype left the table
        return Card(player or slot, archetype, archetype, "?", "?", None, commander)
    specialization = tables.data.specializations.get(found.specialization)
    return Card(
        player=player or slot,
        archetype=found.id,
        archetype_name=found.name,
        specialization=specialization.name if specialization else found.profession,
        role=found.role,
        chat_code=found.example.chat_code,
        commander=commander,
        # A snapshot synced from the official API may carry icons; the bundled one does not.
        icon_url=getattr(specialization, "icon", None),
    )


def cards_of(composition: Composition, tables: Tables) -> list[list[Card]]:
    """The cards of ``composition``'s parties (members naming archetypes)."""
    return [
        [
            _archetype_card(
                tables,
                member.player,
                member.archetype or "?",
                member.commander,
                f"slot {p}.{m}",
            )
            for m, member in enumerate(party.members, 1)
        ]
        for p, party in enumerate(composition.parties, 1)
    ]


def stored_cards(stored: CompositionRead, tables: Tables) -> list[list[Card]]:
    """The cards of a stored composition; members with a build link to it."""
    parties: list[list[Card]] = []
    for p, party in enumerate(stored.parties, 1):
        cards: list[Card] = []
        for m, member in enumerate(party.members, 1):
            if member.archetype is not None:
                cards.append(
                    _archetype_card(
                        tables, member.player, member.archetype, member.commander, f"slot {p}.{m}"
                    )
                )
            else:
                cards.append(
                    Card(
                        player=member.player or f"slot {p}.{m}",
                        archetype=None,
                        archetype_name="stored build",
                        specialization="build",
                        role=member.role or "",
                        chat_code=None,
                        commander=member.commander,
                        build_id=member.build_id,
                    )
                )
        parties.append(cards)
    return parties


def movable(stored: CompositionRead) -> bool:
    """Whether the board can re-evaluate moves (every member names an archetype)."""
    return all(m.archetype is not None for party in stored.parties for m in party.members)


def as_composition(stored: CompositionRead) -> Composition:
    """A stored composition whose members all name archetypes, as the core model."""
    return Composition.model_validate(
        {
            "name": stored.name,
            "mode": stored.mode,
            "targets": stored.targets,
            "parties": [
                {
                    "members": [
                        {"player": m.player, "archetype": m.archetype, "commander": m.commander}
                        for m in party.members
                    ]
                }
                for party in stored.parties
            ],
        }
    )


def squad_meta(composition: Composition) -> str:
    """The JSON the board's script re-evaluates with: the composition without its parties."""
    return json.dumps(
        composition.model_dump(mode="json", exclude={"parties"}, exclude_none=True),
        separators=(",", ":"),
    ).replace("<", "\\u003c")
