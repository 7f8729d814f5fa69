"""Chat code <-> `Build` through the game data: palette ids, trait choices, legends, weapons."""

from __future__ import annotations

from pydantic import ValidationError

from gw2wvw import chatcode, gamedata
from gw2wvw.builds.errors import BuildError
from gw2wvw.builds.model import (
    Build,
    InactiveUtilities,
    Legends,
    Pets,
    SkillBar,
    Skills,
    TraitLine,
)
from gw2wvw.gamedata import GameData, Profession
from gw2wvw.gamedata.constants import LEGACY_LEGEND_CODES

_REVENANT = "Revenant"
_RANGER = "Ranger"


def _trait_line(
    choice: chatcode.SpecializationChoice, line: int, data: GameData
) -> TraitLine | None:
    if choice.id == 0:
        return None
    spec = data.specializations.get(choice.id)
    if spec is None:
        if any(choice.traits):
            raise BuildError(
                f"specialization {choice.id} in line {line + 1} is unknown, so its trait "
                "choices cannot be read"
            )
        return TraitLine(id=choice.id)
    traits: list[int | None] = []
    for tier, pick in enumerate(choice.traits, start=1):
        if pick == 0:
            traits.append(None)
            continue
        found = [
            t
            for t in spec.major_traits
            if (trait := data.traits.get(t)) is not None
            and trait.tier == tier
            and trait.order == pick - 1
        ]
        if not found:
            raise BuildError(f"{spec.name} has no tier {tier} major trait in position {pick}")
        traits.append(found[0])
    return TraitLine(id=spec.id, traits=(traits[0], traits[1], traits[2]))


def _legend_id(code: int, data: GameData) -> str | None:
    if code == 0:
        return None
    legend = data.legend_by_code(LEGACY_LEGEND_CODES.get(code, code))
    if legend is None:
        raise BuildError(f"legend code {code} is unknown")
    return legend.id


def _skill(
    palette: int, profession: Profession, legend: str | None, data: GameData, where: str
) -> int | None:
    if palette == 0:
        return None
    if legend is not None and (skill := data.legend_palette_skill(legend, palette)) is not None:
        return skill
    skill = profession.skills_by_palette.get(palette)
    if skill is None:
        raise BuildError(f"palette {palette} ({where}) names no {profession.name} skill")
    return skill


def _bar(
    palettes: chatcode.SkillPalettes,
    profession: Profession,
    legend: str | None,
    data: GameData,
    where: str,
) -> SkillBar:
    def skill(palette: int, slot: str) -> int | None:
        return _skill(palette, profession, legend, data, f"{where} {slot}")

    u = palettes.utilities
    return SkillBar(
        heal=skill(palettes.heal, "heal"),
        utilities=(skill(u[0], "utility 1"), skill(u[1], "utility 2"), skill(u[2], "utility 3")),
        elite=skill(palettes.elite, "elite"),
    )


def build_from_chat_code(code: str, data: GameData) -> Build:
    """Decode ``code`` and translate its raw ids into a :class:`Build`.

    Raises :class:`~gw2wvw.chatcode.ChatCodeError` for a malformed code and :class:`BuildError`
    when an id cannot be translated (unknown profession, palette, legend or weapon) or a value
    is outside what a build can hold (a zero skill id, more than 16 weapons).
    Semantic problems (a trait of the wrong line, an unknown pet) are left to ``validate``.
    """
    try:
        return _translate(chatcode.decode(code), data)
    except ValidationError as error:
        first = error.errors()[0]
        where = "/" + "/".join(str(part) for part in first["loc"])
        raise BuildError(f"the code holds an impossible build: {where}: {first['msg']}") from error


def _translate(template: chatcode.BuildTemplate, data: GameData) -> Build:
    profession = data.profession_by_code(template.profession)
    if profession is None:
        raise BuildError(f"profession code {template.profession} is unknown")
    lines = template.specializations
    pets = legends = None
    land_legend = water_legend = None
    if profession.id == _REVENANT:
        raw = template.legends
        land = (_legend_id(raw.terrestrial[0], data), _legend_id(raw.terrestrial[1], data))
        water = (_legend_id(raw.aquatic[0], data), _legend_id(raw.aquatic[1], data))
        land_legend, water_legend = land[0], water[0]

        def inactive(
            palettes: tuple[int, int, int], legend: str | None, where: str
        ) -> tuple[int | None, int | None, int | None]:
            a, b, c = (_skill(p, profession, legend, data, where) for p in palettes)
            return (a, b, c)

        legends = Legends(
            terrestrial=land,
            aquatic=water,
            inactive_utilities=InactiveUtilities(
                terrestrial=inactive(
                    raw.inactive_terrestrial_utilities, land[1], "inactive terrestrial utility"
                ),
                aquatic=inactive(
                    raw.inactive_aquatic_utilities, water[1], "inactive aquatic utility"
                ),
            ),
        )
    elif profession.id == _RANGER:
        raw_pets = template.pets

        def pair(ids: tuple[int, int]) -> tuple[int | None, int | None]:
            return (ids[0] or None, ids[1] or None)

        pets = Pets(terrestrial=pair(raw_pets.terrestrial), aquatic=pair(raw_pets.aquatic))
    weapons = []
    for weapon_id in template.weapons:
        weapon = data.weapon_type_named(weapon_id)
        if weapon is None:
            raise BuildError(f"weapon id {weapon_id} is unknown")
        weapons.append(weapon)
    return Build(
        profession=profession.id,
        specializations=(
            _trait_line(lines[0], 0, data),
            _trait_line(lines[1], 1, data),
            _trait_line(lines[2], 2, data),
        ),
        skills=Skills(
            terrestrial=_bar(template.terrestrial, profession, land_legend, data, "terrestrial"),
            aquatic=_bar(template.aquatic, profession, water_legend, data, "aquatic"),
        ),
        weapons=tuple(weapons),
        pets=pets,
        legends=legends,
        skill_overrides=template.skill_overrides,
    )


def _choice(line: TraitLine | None, data: GameData) -> chatcode.SpecializationChoice:
    if line is None:
        return chatcode.SpecializationChoice(0, (0, 0, 0))
    picks = []
    for tier, trait_id in enumerate(line.traits, start=1):
        if trait_id is None:
            picks.append(0)
            continue
        trait = data.traits.get(trait_id)
        if trait is None or trait.specialization != line.id or trait.tier != tier:
            raise BuildError(
                f"trait {trait_id} is not a tier {tier} trait of specialization {line.id}"
            )
        picks.append(trait.order + 1)
    return chatcode.SpecializationChoice(line.id, (picks[0], picks[1], picks[2]))


def _palette(skill: int | None, profession: Profession, legend: str | None, data: GameData) -> int:
    if skill is None:
        return 0
    if legend is not None and (palette := data.legend_skill_palette(legend, skill)) is not None:
        return palette
    palette = profession.palettes_by_skill.get(skill)
    if palette is None:
        raise BuildError(f"skill {skill} has no {profession.name} palette id")
    return palette


def _palettes(
    bar: SkillBar, profession: Profession, legend: str | None, data: GameData
) -> chatcode.SkillPalettes:
    u = [_palette(s, profession, legend, data) for s in bar.utilities]
    return chatcode.SkillPalettes(
        heal=_palette(bar.heal, profession, legend, data),
        utilities=(u[0], u[1], u[2]),
        elite=_palette(bar.elite, profession, legend, data),
    )


def _legend_code(legend: str | None, data: GameData) -> int:
    if legend is None:
        return 0
    record = data.legends.get(legend)
    if record is None:
        raise BuildError(f"legend {legend} is unknown")
    return record.code


def build_to_chat_code(build: Build, data: GameData) -> str:
    """Encode ``build`` as its canonical chat code (current form).

    Raises :class:`BuildError` when something in it has no chat-code representation
    (an unknown profession, trait, skill, legend or weapon); validate first to learn why.
    """
    try:
        return chatcode.encode(build_to_template(build, data))
    except chatcode.ChatCodeError as exc:
        raise BuildError(f"the build does not fit in a chat code: {exc}") from exc


def build_to_template(build: Build, data: GameData) -> chatcode.BuildTemplate:
    """Translate ``build`` into the raw ids of a chat code (see :func:`build_to_chat_code`)."""
    profession = data.professions.get(build.profession)
    if profession is None:
        raise BuildError(f"profession {build.profession!r} is unknown")
    block = bytes(16)
    land = water = None
    if build.legends is not None and profession.id == _REVENANT:
        legends = build.legends
        land, water = legends.terrestrial[0], legends.aquatic[0]
        inactive = legends.inactive_utilities

        def palettes(skills: tuple[int | None, ...], legend: str | None) -> tuple[int, int, int]:
            a, b, c = (_palette(s, profession, legend, data) for s in skills)
            return (a, b, c)

        block = chatcode.revenant_block(
            chatcode.RevenantLegends(
                terrestrial=(_legend_code(land, data), _legend_code(legends.terrestrial[1], data)),
                aquatic=(_legend_code(water, data), _legend_code(legends.aquatic[1], data)),
                inactive_terrestrial_utilities=palettes(
                    inactive.terrestrial, legends.terrestrial[1]
                ),
                inactive_aquatic_utilities=palettes(inactive.aquatic, legends.aquatic[1]),
            )
        )
    elif build.pets is not None and profession.id == _RANGER:
        pets = build.pets
        block = chatcode.ranger_block(
            chatcode.RangerPets(
                terrestrial=(pets.terrestrial[0] or 0, pets.terrestrial[1] or 0),
                aquatic=(pets.aquatic[0] or 0, pets.aquatic[1] or 0),
            )
        )
    weapons = []
    for weapon in build.weapons:
        weapon_id = data.weapon_type_id(weapon)
        if weapon_id is None:
            raise BuildError(f"weapon type {weapon!r} is unknown")
        weapons.append(weapon_id)
    lines = build.specializations
    return chatcode.BuildTemplate(
        profession=profession.code,
        specializations=(_choice(lines[0], data), _choice(lines[1], data), _choice(lines[2], data)),
        terrestrial=_palettes(build.skills.terrestrial, profession, land, data),
        aquatic=_palettes(build.skills.aquatic, profession, water, data),
        profession_block=block,
        weapons=tuple(weapons),
        skill_overrides=build.skill_overrides,
    )


def decode(code: str, data: GameData | None = None) -> Build:
    """The :class:`Build` of a chat code, in official API ids (bundled game data by default).

    Raises :class:`~gw2wvw.chatcode.ChatCodeError` for a malformed code and :class:`BuildError`
    for one whose ids the game data cannot translate.
    """
    return build_from_chat_code(code, gamedata.load() if data is None else data)


def encode(build: Build, data: GameData | None = None) -> str:
    """The canonical chat code of ``build`` (bundled game data by default).

    Raises :class:`BuildError` when something in it has no chat-code representation.
    """
    return build_to_chat_code(build, gamedata.load() if data is None else data)
