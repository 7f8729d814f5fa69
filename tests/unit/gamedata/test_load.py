"""``gamedata.load`` and the lookups of ``GameData``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gw2wvw import gamedata
from gw2wvw.gamedata.snapshot import FILENAME, SnapshotError
from gw2wvw.gamedata.sync import sync
from tests.support.gw2api import FakeGw2Api


def test_the_bundled_data_is_parsed_once_per_process() -> None:
    assert gamedata.load() is gamedata.load()


async def test_load_reads_a_synced_directory_or_file(api: FakeGw2Api, tmp_path: Path) -> None:
    await sync(tmp_path, api_url=api.url)

    from_dir = gamedata.load(tmp_path)
    from_file = gamedata.load(str(tmp_path / FILENAME))

    assert from_dir.info.build_id == from_file.info.build_id == 4242
    assert from_dir is not from_file
    assert set(from_dir.traits) == set(from_file.traits)
    assert from_dir.info != gamedata.load().info


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"^cannot read snapshot .*snapshot\.json: No such file or directory$"),
        ("{nope", r"^snapshot is not valid JSON: "),
        ("[1, 2]", r"^snapshot must be a JSON object$"),
        ('{"format": 2}', r"^unsupported snapshot format 2 \(expected 1\)$"),
        ('{"format": 1}', r"^malformed snapshot: KeyError: 'info'$"),
    ],
)
def test_unreadable_snapshots_raise_snapshot_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    target = tmp_path / "snapshot.json"
    if content is not None:
        target.write_text(content)

    with pytest.raises(SnapshotError, match=message):
        gamedata.load(target)


def test_a_directory_without_a_snapshot_raises_snapshot_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=rf"cannot read snapshot .*{FILENAME}"):
        gamedata.load(tmp_path)


def test_a_malformed_record_raises_snapshot_error(tmp_path: Path) -> None:
    document = json.loads(gamedata.bundled_snapshot_text())
    del document["traits"][3]["tier"]
    target = tmp_path / FILENAME
    target.write_text(json.dumps(document))

    with pytest.raises(SnapshotError, match=r"^malformed snapshot: KeyError: 'tier'$"):
        gamedata.load(tmp_path)


def test_lookups_by_code_and_name(data: gamedata.GameData) -> None:
    guardian = data.profession_by_code(1)
    assert guardian is not None
    assert guardian.id == "Guardian"
    assert data.profession_by_code(99) is None
    legend = data.legend_by_code(1)
    assert legend is not None
    assert legend.id == "Legend1"
    assert data.legend_by_code(99) is None
    herald = data.specialization_named("Herald")
    assert herald is not None
    assert (herald.id, herald.profession, herald.elite) == (52, "Revenant", True)
    assert data.specialization_named("Nope") is None
    stalker = data.pet_named("Juvenile Jungle Stalker")
    assert stalker is not None
    assert stalker.id == 1
    assert data.pet_named("Nope") is None


def test_legend_specialization(data: gamedata.GameData) -> None:
    assert data.legend_specialization("Legend1") == 52  # Glint needs Herald
    assert data.legend_specialization("Legend2") is None  # Shiro: any revenant
    assert data.legend_specialization("Nope") is None


def test_legend_palettes(data: gamedata.GameData) -> None:
    assert data.legend_palette_skill("Legend1", 4572) == 27220
    assert data.legend_palette_skill("Legend1", 1) is None
    assert data.legend_palette_skill("Nope", 4572) is None
    # Centaur's heal: the palette table's Project Tranquility and the API's Ventari's Will.
    assert data.legend_skill_palette("Legend6", 29148) == 4572
    assert data.legend_skill_palette("Legend6", 28427) == 4572
    assert data.legend_skill_palette("Legend6", 27356) == 4554
    assert data.legend_skill_palette("Legend6", 27220) is None
    assert data.legend_skill_palette("Nope", 29148) is None
    assert {28427, 29148} <= data.legend_skill_ids("Legend6")
    assert data.legend_skill_ids("Nope") == frozenset()


def test_weapon_hands(data: gamedata.GameData) -> None:
    warrior = data.professions["Warrior"].weapons
    greatsword, shield = warrior["Greatsword"], warrior["Shield"]
    assert (greatsword.two_handed, greatsword.mainhand, greatsword.offhand) == (True, False, False)
    assert (shield.two_handed, shield.mainhand, shield.offhand) == (False, False, True)
    assert warrior["Spear"].aquatic
    assert not greatsword.aquatic


def test_names_shared_by_two_records_are_not_looked_up() -> None:
    data = gamedata.GameData(
        info=gamedata.SnapshotInfo(1, "2026-01-01T00:00:00Z", "test"),
        professions=[],
        specializations=[],
        traits=[],
        skills=[],
        legends=[],
        pets=[gamedata.Pet(1, "Twin"), gamedata.Pet(2, "Twin"), gamedata.Pet(3, "Single")],
        itemstats=[],
    )

    assert data.pet_named("Twin") is None
    assert data.pet_named("Single") == gamedata.Pet(3, "Single")


def test_weapon_type_ids(data: gamedata.GameData) -> None:
    assert data.weapon_type_id("Greatsword") == 50
    assert data.weapon_type_id("Nope") is None
    assert data.weapon_type_named(50) == "Greatsword"
    assert data.weapon_type_named(0) is None


def test_records_cannot_be_changed(data: gamedata.GameData) -> None:
    guardian = data.professions["Guardian"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        guardian.code = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.info.build_id = 1  # type: ignore[misc]
    for mapping in (
        data.professions,
        data.specializations,
        data.traits,
        data.skills,
        data.legends,
        data.pets,
        data.itemstats,
        guardian.weapons,
        guardian.skills_by_palette,
        guardian.palettes_by_skill,
    ):
        with pytest.raises(TypeError):
            mapping[0] = None  # type: ignore[index]
    assert isinstance(guardian.specializations, tuple)
    # The object itself: one loaded snapshot is shared by every caller in the process.
    with pytest.raises(AttributeError, match="'professions' cannot be reassigned"):
        data.professions = {}
    with pytest.raises(AttributeError, match="'skills' cannot be deleted"):
        del data.skills
    assert len(data.professions) == 9


def test_repr_names_the_build_and_counts(data: gamedata.GameData) -> None:
    assert repr(data) == (
        f"<GameData build={data.info.build_id} professions=9 "
        f"skills={len(data.skills)} traits={len(data.traits)}>"
    )
