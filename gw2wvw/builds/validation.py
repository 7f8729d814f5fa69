"""`validate`: every problem of a build at once, each with a JSON pointer and a stable code."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gw2wvw import gamedata
from gw2wvw.builds.model import Build
from gw2wvw.gamedata import GameData, Profession, Specialization

Severity = Literal["error", "warning"]
"""Errors make a build unusable in game; warnings mark something missing or odd."""

ISSUE_CODES: dict[str, str] = {
    "unknown_profession": "the profession does not exist",
    "unknown_specialization": "the specialization does not exist",
    "specialization_wrong_profession": "the specialization belongs to another profession",
    "duplicate_specialization": "the same specialization is chosen twice",
    "specialization_missing": "a trait line is empty",
    "multiple_elite_specializations": "more than one elite specialization is chosen",
    "elite_not_in_third_line": "an elite specialization sits outside the third line",
    "unknown_trait": "the trait does not exist",
    "trait_not_major": "the trait is not a major trait",
    "trait_wrong_specialization": "the trait belongs to another specialization",
    "trait_wrong_tier": "the trait sits in another tier",
    "trait_missing": "no trait is chosen in this tier",
    "unknown_skill": "the skill does not exist",
    "skill_wrong_profession": "the skill belongs to another profession",
    "skill_wrong_slot": "the skill does not fit this slot",
    "duplicate_skill": "the same skill is chosen twice on one bar",
    "skill_requires_specialization": "the skill needs an elite specialization the build lacks",
    "skill_not_of_legend": "the skill does not belong to the chosen legend",
    "skill_missing": "the slot is empty",
    "unknown_legend": "the legend does not exist",
    "legend_not_allowed": "the legend needs an elite specialization the build lacks",
    "duplicate_legend": "the same legend is chosen twice",
    "legend_missing": "no legend is chosen",
    "legends_not_allowed": "only revenants have legends",
    "unknown_pet": "the pet does not exist",
    "pets_not_allowed": "only rangers have pets",
    "unknown_weapon": "the weapon type does not exist",
    "weapon_not_usable": "the profession cannot wield this weapon",
    "duplicate_weapon": "the same weapon type is listed twice",
    "impossible_weapon_combination": "the weapons do not fit in two weapon sets",
    "unknown_stats": "the stat combination does not exist",
}
"""Every issue code :func:`validate` can report, with what it means. Codes are stable."""


class Issue(BaseModel):
    """One problem of a build."""

    model_config = ConfigDict(frozen=True)

    path: str
    """JSON pointer into the build, e.g. ``/specializations/2/traits/1``."""
    code: str
    """A stable machine-readable code, one of :data:`ISSUE_CODES`."""
    message: str
    """What is wrong, in plain words with names."""
    severity: Severity = "error"
    """``error`` makes the build unusable in game; a ``warning`` marks something missing or odd."""
    name: str | None = None
    """The name of the profession, specialization, trait, skill, legend, pet or stat combination
    at ``path``, when the game data knows it (null for an unknown id or an empty slot)."""


class ValidationReport(BaseModel):
    """Everything :func:`validate` found, errors first."""

    model_config = ConfigDict(frozen=True)

    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues that make the build unusable."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The issues worth knowing that do not break the build."""
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def valid(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors


_SLOTS = {"heal": "Heal", "utilities": "Utility", "elite": "Elite"}


class _Checker:
    def __init__(self, build: Build, data: GameData) -> None:
        self.build = build
        self.data = data
        self.issues: list[Issue] = []
        self.elites: set[int] = set()

    def add(self, path: str, code: str, message: str, severity: Severity = "error") -> None:
        name = self.name_at(path)
        self.issues.append(
            Issue(path=path, code=code, message=message, severity=severity, name=name)
        )

    def name_at(self, path: str) -> str | None:
        """The game-data name of the id at ``path`` in the build, if it has one."""
        parts = path.strip("/").split("/")
        node: Any = self.build.model_dump()
        for part in parts:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list | tuple):
                node = node[int(part)]
            if node is None:
                return None
        if isinstance(node, dict):  # a whole trait line stands for its specialization
            node = node.get("id")
        data = self.data
        found: Any
        match parts[0]:
            case "profession":
                found = data.professions.get(node)
            case "specializations":
                found = (data.traits if "traits" in parts else data.specializations).get(node)
            case "skills" | "skill_overrides":
                found = data.skills.get(node)
            case "legends" if "inactive_utilities" in parts:
                found = data.skills.get(node)
            case "legends":
                legend = data.legends.get(node)
                found = data.skills.get(legend.swap) if legend else None
            case "pets":
                found = data.pets.get(node)
            case "stats":
                found = data.itemstats.get(node)
            case _:  # weapons are named by their type already
                return node if isinstance(node, str) else None
        return found.name if found is not None else None

    def skill_name(self, skill_id: int) -> str:
        skill = self.data.skills.get(skill_id)
        return f"{skill.name} ({skill_id})" if skill else str(skill_id)

    def spec_name(self, spec_id: int) -> str:
        spec = self.data.specializations.get(spec_id)
        return f"{spec.name} ({spec_id})" if spec else str(spec_id)

    def run(self) -> ValidationReport:
        profession = self.data.professions.get(self.build.profession)
        if profession is None:
            known = ", ".join(sorted(self.data.professions))
            self.add(
                "/profession",
                "unknown_profession",
                f"profession {self.build.profession!r} does not exist (one of {known})",
            )
        else:
            self.specializations(profession)
            self.skills(profession)
            self.legends(profession)
            self.weapons(profession)
        self.pets(profession)
        self.overrides_and_stats()
        ordered = sorted(self.issues, key=lambda i: i.severity != "error")
        return ValidationReport(issues=tuple(ordered))

    # -- trait lines -------------------------------------------------------------------------

    def specializations(self, profession: Profession) -> None:
        seen: Counter[int] = Counter()
        for index, line in enumerate(self.build.specializations):
            path = f"/specializations/{index}"
            if line is None:
                self.add(
                    path, "specialization_missing", f"trait line {index + 1} is empty", "warning"
                )
                continue
            seen[line.id] += 1
            spec = self.data.specializations.get(line.id)
            if spec is None:
                self.add(
                    f"{path}/id",
                    "unknown_specialization",
                    f"specialization {line.id} does not exist",
                )
                continue
            if spec.profession != profession.id:
                self.add(
                    f"{path}/id",
                    "specialization_wrong_profession",
                    f"{spec.name} is a {spec.profession} specialization, not {profession.name}",
                )
            if seen[line.id] > 1:
                self.add(f"{path}/id", "duplicate_specialization", f"{spec.name} is chosen twice")
            if spec.elite:
                if self.elites:
                    self.add(
                        f"{path}/id",
                        "multiple_elite_specializations",
                        f"{spec.name} is a second elite specialization; a build has at most one",
                    )
                self.elites.add(spec.id)
                if index != 2:
                    self.add(
                        f"{path}/id",
                        "elite_not_in_third_line",
                        f"elite specialization {spec.name} must sit in the third line",
                    )
            self.traits(spec, line.traits, path)

    def traits(self, spec: Specialization, traits: tuple[int | None, ...], path: str) -> None:
        tiers = ("adept", "master", "grandmaster")
        for tier, trait_id in enumerate(traits, start=1):
            where = f"{path}/traits/{tier - 1}"
            if trait_id is None:
                self.add(
                    where,
                    "trait_missing",
                    f"no {tiers[tier - 1]} trait is chosen in {spec.name}",
                    "warning",
                )
                continue
            trait = self.data.traits.get(trait_id)
            if trait is None:
                self.add(where, "unknown_trait", f"trait {trait_id} does not exist")
            elif trait.specialization != spec.id:
                owner = self.spec_name(trait.specialization) if trait.specialization else "none"
                self.add(
                    where,
                    "trait_wrong_specialization",
                    f"{trait.name} ({trait_id}) belongs to {owner}, not {spec.name}",
                )
            elif trait.slot != "Major":
                self.add(where, "trait_not_major", f"{trait.name} ({trait_id}) is a minor trait")
            elif trait.tier != tier:
                self.add(
                    where,
                    "trait_wrong_tier",
                    f"{trait.name} ({trait_id}) is a {tiers[trait.tier - 1]} trait, "
                    f"not {tiers[tier - 1]}",
                )

    # -- skills and legends --------------------------------------------------------------------

    def skills(self, profession: Profession) -> None:
        legends = self.build.legends
        revenant = profession.id == "Revenant"
        for medium, bar in (
            ("terrestrial", self.build.skills.terrestrial),
            ("aquatic", self.build.skills.aquatic),
        ):
            legend = None
            if revenant and legends is not None:
                legend = (legends.terrestrial if medium == "terrestrial" else legends.aquatic)[0]
            seen: set[int] = set()
            # Many builds leave the aquatic bar empty on purpose; only a half-filled one is odd.
            silent = medium == "aquatic" and all(s is None for _, s in bar.slots())
            for suffix, skill_id in bar.slots():
                path = f"/skills/{medium}/{suffix}"
                slot = _SLOTS[suffix.split("/")[0]]
                if skill_id is None:
                    if silent:
                        continue
                    self.add(
                        path,
                        "skill_missing",
                        f"the {medium} {slot.lower()} slot is empty",
                        "warning",
                    )
                    continue
                if skill_id in seen:
                    self.add(
                        path, "duplicate_skill", f"{self.skill_name(skill_id)} is chosen twice"
                    )
                seen.add(skill_id)
                self.skill(path, skill_id, slot, profession, legend)

    def skill(
        self, path: str, skill_id: int, slot: str, profession: Profession, legend: str | None
    ) -> None:
        skill = self.data.skills.get(skill_id)
        if skill is None:
            self.add(path, "unknown_skill", f"skill {skill_id} does not exist")
            return
        name = f"{skill.name} ({skill_id})"
        if skill.professions and profession.id not in skill.professions:
            self.add(
                path,
                "skill_wrong_profession",
                f"{name} is a {'/'.join(skill.professions)} skill, not {profession.name}",
            )
            return
        if skill.slot != slot:
            where = skill.slot or "no bar"
            self.add(path, "skill_wrong_slot", f"{name} is a {where} skill, not {slot}")
        if skill.specialization is not None and skill.specialization not in self.elites:
            self.add(
                path,
                "skill_requires_specialization",
                f"{name} needs {self.spec_name(skill.specialization)}",
            )
        if (
            profession.id == "Revenant"
            and legend is not None
            and legend in self.data.legends
            and skill_id not in self.data.legend_skill_ids(legend)
        ):
            self.add(
                path, "skill_not_of_legend", f"{name} is not a skill of {self.legend_name(legend)}"
            )

    def legend_name(self, legend_id: str) -> str:
        legend = self.data.legends.get(legend_id)
        swap = self.data.skills.get(legend.swap) if legend else None
        return f"{swap.name} ({legend_id})" if swap else legend_id

    def legends(self, profession: Profession) -> None:
        legends = self.build.legends
        if profession.id != "Revenant":
            if legends is not None and any((*legends.terrestrial, *legends.aquatic)):
                self.add("/legends", "legends_not_allowed", f"a {profession.name} has no legends")
            return
        if legends is None or legends.terrestrial[0] is None:
            self.add(
                "/legends/terrestrial/0",
                "legend_missing",
                "no terrestrial legend is chosen",
                "warning",
            )
            if legends is None:
                return
        for medium, pair in (("terrestrial", legends.terrestrial), ("aquatic", legends.aquatic)):
            if pair[0] is not None and pair[0] == pair[1]:
                self.add(
                    f"/legends/{medium}/1",
                    "duplicate_legend",
                    f"{self.legend_name(pair[0])} is chosen as both {medium} legends",
                )
            for index, legend_id in enumerate(pair):
                if legend_id is None:
                    continue
                path = f"/legends/{medium}/{index}"
                if legend_id not in self.data.legends:
                    self.add(path, "unknown_legend", f"legend {legend_id} does not exist")
                    continue
                needs = self.data.legend_specialization(legend_id)
                if needs is not None and needs not in self.elites:
                    self.add(
                        path,
                        "legend_not_allowed",
                        f"{self.legend_name(legend_id)} needs {self.spec_name(needs)}",
                    )
            inactive = pair[1]
            skills = getattr(legends.inactive_utilities, medium)
            for index, skill_id in enumerate(skills):
                if skill_id is None:
                    continue
                path = f"/legends/inactive_utilities/{medium}/{index}"
                self.skill(path, skill_id, "Utility", profession, inactive)

    # -- pets, weapons, the rest ---------------------------------------------------------------

    def pets(self, profession: Profession | None) -> None:
        pets = self.build.pets
        if pets is None:
            return
        chosen = [
            (f"/pets/{medium}/{index}", pet)
            for medium, pair in (("terrestrial", pets.terrestrial), ("aquatic", pets.aquatic))
            for index, pet in enumerate(pair)
            if pet is not None
        ]
        if profession is not None and profession.id != "Ranger" and chosen:
            self.add("/pets", "pets_not_allowed", f"a {profession.name} has no pets")
            return
        for path, pet in chosen:
            if pet not in self.data.pets:
                self.add(path, "unknown_pet", f"pet {pet} does not exist")

    def weapons(self, profession: Profession) -> None:
        seen: set[str] = set()
        usable = []
        for index, name in enumerate(self.build.weapons):
            path = f"/weapons/{index}"
            if name in seen:
                self.add(path, "duplicate_weapon", f"{name} is listed twice")
                continue
            seen.add(name)
            if self.data.weapon_type_id(name) is None:
                self.add(path, "unknown_weapon", f"weapon type {name!r} does not exist")
            elif name not in profession.weapons:
                self.add(path, "weapon_not_usable", f"a {profession.name} cannot wield a {name}")
            else:
                usable.append(profession.weapons[name])
        land = [w for w in usable if not w.aquatic]
        two_handed = [w.type for w in land if w.two_handed]
        main_only = [w.type for w in land if not w.two_handed and not w.offhand]
        off_only = [w.type for w in land if not w.two_handed and not w.mainhand]
        one_handed = [w.type for w in land if not w.two_handed]
        # Two land weapon sets: each holds one two-hander or a main hand and an off hand.
        sets_left = 2 - len(two_handed)
        if (
            sets_left < 0
            or len(main_only) > sets_left
            or len(off_only) > sets_left
            or len(one_handed) > 2 * sets_left
        ):
            self.add(
                "/weapons",
                "impossible_weapon_combination",
                f"{', '.join(w.type for w in land)} do not fit in two weapon sets",
            )

    def overrides_and_stats(self) -> None:
        for index, skill_id in enumerate(self.build.skill_overrides):
            if skill_id not in self.data.skills:
                self.add(
                    f"/skill_overrides/{index}", "unknown_skill", f"skill {skill_id} does not exist"
                )
        stats = self.build.stats
        if stats is not None and stats not in self.data.itemstats:
            self.add("/stats", "unknown_stats", f"stat combination {stats} does not exist")


def validate(build: Build, data: GameData | None = None) -> ValidationReport:
    """Check ``build`` against ``data`` (the bundled game data by default), all problems at once."""
    return _Checker(build, gamedata.load() if data is None else data).run()
