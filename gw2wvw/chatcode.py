"""The build template chat link codec: ``[&DQ...]`` text <-> :class:`BuildTemplate` (raw ids).

Layout of the payload (little-endian), after the ``0x0D`` type byte:

====== ===== ===========================================================================
offset bytes field
====== ===== ===========================================================================
1      1     profession code (1 Guardian ... 9 Revenant)
2      6     3 x (specialization id u8, trait choices u8: 2 bits each for the adept,
             master and grandmaster major trait; 0 none, 1 top, 2 middle, 3 bottom)
8      20    10 x u16 skill palette ids: heal, utility 1-3, elite, terrestrial and
             aquatic interleaved (terrestrial heal, aquatic heal, terrestrial utility 1, ...)
28     16    profession block: ranger pets (4 x u8) or revenant legends (4 x u8) and the
             inactive legends' utility palettes (2 x 3 x u16); zero for everyone else
44     1+2n  weapon types: u8 count, n x u16 weapon ids           (since 2023)
..     1+4m  skill overrides: u8 count, m x u32 skill ids         (since 2023)
====== ===== ===========================================================================

Codes written before 2023 stop after the profession block (44 bytes); :func:`encode` always
writes the current form. No game data is needed here: every field stays a raw number.
"""

from __future__ import annotations

import binascii
import struct
from typing import Final, NamedTuple

from gw2wvw.errors import Gw2WvwError

BUILD_TEMPLATE_TYPE: Final = 0x0D
"""The first payload byte of a build template link."""

LEGACY_SIZE: Final = 44
"""Size of a payload written before the weapon and skill-override arrays existed."""

_HEAD = struct.Struct("<8B10H16s")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

_LINK_TYPES: Final = {
    0x01: "coin",
    0x02: "item",
    0x03: "NPC text",
    0x04: "map",
    0x05: "PvP game",
    0x06: "skill",
    0x07: "trait",
    0x08: "user",
    0x09: "recipe",
    0x0A: "wardrobe",
    0x0B: "outfit",
    0x0C: "WvW objective",
    0x0E: "achievement",
}


class ChatCodeError(Gw2WvwError, ValueError):
    """A chat code cannot be decoded or a template cannot be encoded.

    ``offset`` is the byte of the decoded payload where the problem is, when there is one.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class SpecializationChoice(NamedTuple):
    """One trait line of a template: specialization id (0 = empty) and 3 trait choices (0-3)."""

    id: int
    traits: tuple[int, int, int]


class SkillPalettes(NamedTuple):
    """Palette ids of one skill bar (0 = empty slot)."""

    heal: int
    utilities: tuple[int, int, int]
    elite: int


class RangerPets(NamedTuple):
    """Ranger pet ids (0 = none) of the terrestrial and aquatic pairs."""

    terrestrial: tuple[int, int]
    aquatic: tuple[int, int]


class RevenantLegends(NamedTuple):
    """Revenant legend bytes and the palette ids of the inactive legends' utilities."""

    terrestrial: tuple[int, int]
    aquatic: tuple[int, int]
    inactive_terrestrial_utilities: tuple[int, int, int]
    inactive_aquatic_utilities: tuple[int, int, int]


class BuildTemplate(NamedTuple):
    """A decoded build template: every field as the raw number the game writes."""

    profession: int
    specializations: tuple[SpecializationChoice, SpecializationChoice, SpecializationChoice]
    terrestrial: SkillPalettes
    aquatic: SkillPalettes
    profession_block: bytes = bytes(16)
    weapons: tuple[int, ...] = ()
    skill_overrides: tuple[int, ...] = ()

    @property
    def pets(self) -> RangerPets:
        """The profession block read as ranger pets."""
        b = self.profession_block
        return RangerPets((b[0], b[1]), (b[2], b[3]))

    @property
    def legends(self) -> RevenantLegends:
        """The profession block read as revenant legends."""
        b = self.profession_block
        u = struct.unpack_from("<6H", b, 4)
        return RevenantLegends((b[0], b[1]), (b[2], b[3]), (u[0], u[1], u[2]), (u[3], u[4], u[5]))


def ranger_block(pets: RangerPets) -> bytes:
    """The 16-byte profession block that carries ``pets``."""
    try:
        return struct.pack("<4B12x", *pets.terrestrial, *pets.aquatic)
    except struct.error as exc:
        raise ChatCodeError(f"pet ids must be 0-255: {exc}") from exc


def revenant_block(legends: RevenantLegends) -> bytes:
    """The 16-byte profession block that carries ``legends``."""
    try:
        return struct.pack(
            "<4B6H",
            *legends.terrestrial,
            *legends.aquatic,
            *legends.inactive_terrestrial_utilities,
            *legends.inactive_aquatic_utilities,
        )
    except struct.error as exc:
        raise ChatCodeError(f"legend bytes must be 0-255 and palettes 0-65535: {exc}") from exc


def _payload(text: str) -> bytes:
    if not isinstance(text, str):
        raise ChatCodeError(f"a chat code is text, not {type(text).__name__}")
    code = text.strip()
    if not code.startswith("[&"):
        raise ChatCodeError("a chat code starts with '[&'")
    if not code.endswith("]"):
        raise ChatCodeError("a chat code ends with ']'")
    body = code[2:-1]
    if not body:
        raise ChatCodeError("the chat code is empty")
    try:
        return binascii.a2b_base64(body, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ChatCodeError(f"the chat code is not valid base64: {exc}") from exc


# Every valid trait byte's three 2-bit choices, so decoding is one lookup per line.
_CHOICES: Final = tuple((b & 3, (b >> 2) & 3, (b >> 4) & 3) for b in range(64))


def _trait_choices(byte: int, line: int, offset: int) -> tuple[int, int, int]:
    if byte > 0x3F:
        raise ChatCodeError(
            f"specialization {line} has trait byte 0x{byte:02X} with its unused high bits set "
            f"at byte {offset}",
            offset,
        )
    return _CHOICES[byte]


def decode_payload(data: bytes) -> BuildTemplate:
    """Decode a binary build template payload (the base64-decoded body of a chat code)."""
    size = len(data)
    if size == 0:
        raise ChatCodeError("the chat code is empty", 0)
    if data[0] != BUILD_TEMPLATE_TYPE:
        kind = _LINK_TYPES.get(data[0], "unknown")
        raise ChatCodeError(
            f"not a build template: type byte 0x{data[0]:02X} ({kind} link), expected 0x0D", 0
        )
    if size < LEGACY_SIZE:
        raise ChatCodeError(
            f"truncated at byte {size}: a build template has at least {LEGACY_SIZE} bytes", size
        )
    (
        _,
        profession,
        spec1,
        traits1,
        spec2,
        traits2,
        spec3,
        traits3,
        th,
        ah,
        tu1,
        au1,
        tu2,
        au2,
        tu3,
        au3,
        te,
        ae,
        block,
    ) = _HEAD.unpack_from(data)
    weapons: tuple[int, ...] = ()
    overrides: tuple[int, ...] = ()
    if size > LEGACY_SIZE:
        offset = LEGACY_SIZE
        count = data[offset]
        offset += 1
        end = offset + 2 * count
        if end + 1 > size:
            raise ChatCodeError(
                f"weapon count {count} at byte {LEGACY_SIZE} needs {2 * count} bytes and the "
                f"skill override count after them; only {size - offset} bytes remain",
                LEGACY_SIZE,
            )
        weapons = struct.unpack_from(f"<{count}H", data, offset)
        offset = end
        count = data[offset]
        end = offset + 1 + 4 * count
        if end > size:
            raise ChatCodeError(
                f"skill override count {count} at byte {offset} needs {4 * count} bytes; "
                f"only {size - offset - 1} remain",
                offset,
            )
        overrides = struct.unpack_from(f"<{count}I", data, offset + 1)
        if end != size:
            raise ChatCodeError(f"{size - end} trailing bytes after byte {end}", end)
    return BuildTemplate(
        profession=profession,
        specializations=(
            SpecializationChoice(spec1, _trait_choices(traits1, 1, 3)),
            SpecializationChoice(spec2, _trait_choices(traits2, 2, 5)),
            SpecializationChoice(spec3, _trait_choices(traits3, 3, 7)),
        ),
        terrestrial=SkillPalettes(th, (tu1, tu2, tu3), te),
        aquatic=SkillPalettes(ah, (au1, au2, au3), ae),
        profession_block=block,
        weapons=weapons,
        skill_overrides=overrides,
    )


def decode(text: str) -> BuildTemplate:
    """Decode a build template chat code such as ``[&DQEQLyo6...]``.

    Both the legacy 44-byte form and the current form with weapon and skill-override arrays are
    accepted; surrounding whitespace is ignored. Raises :class:`ChatCodeError` saying what is
    wrong and at which byte.
    """
    return decode_payload(_payload(text))


def encode_payload(template: BuildTemplate) -> bytes:
    """Encode ``template`` as a binary payload in the current form."""
    try:
        specs = template.specializations
        if len(specs) != 3:
            raise ChatCodeError(f"a template has 3 specialization lines, not {len(specs)}")
        trait_bytes = []
        for spec in specs:
            if len(spec.traits) != 3 or any(not 0 <= t <= 3 for t in spec.traits):
                raise ChatCodeError(f"trait choices must be three values 0-3, not {spec.traits}")
            trait_bytes.append(spec.traits[0] | spec.traits[1] << 2 | spec.traits[2] << 4)
        if len(template.profession_block) != 16:
            raise ChatCodeError(
                f"the profession block has 16 bytes, not {len(template.profession_block)}"
            )
        if len(template.weapons) > 255 or len(template.skill_overrides) > 255:
            raise ChatCodeError("at most 255 weapons and 255 skill overrides fit in a chat code")
        t, a = template.terrestrial, template.aquatic
        head = _HEAD.pack(
            BUILD_TEMPLATE_TYPE,
            template.profession,
            specs[0].id,
            trait_bytes[0],
            specs[1].id,
            trait_bytes[1],
            specs[2].id,
            trait_bytes[2],
            t.heal,
            a.heal,
            t.utilities[0],
            a.utilities[0],
            t.utilities[1],
            a.utilities[1],
            t.utilities[2],
            a.utilities[2],
            t.elite,
            a.elite,
            template.profession_block,
        )
        weapons = struct.pack(
            f"<B{len(template.weapons)}H", len(template.weapons), *template.weapons
        )
        overrides = struct.pack(
            f"<B{len(template.skill_overrides)}I",
            len(template.skill_overrides),
            *template.skill_overrides,
        )
    except struct.error as exc:
        raise ChatCodeError(f"a value does not fit its field: {exc}") from exc
    return head + weapons + overrides


def encode(template: BuildTemplate) -> str:
    """Encode ``template`` as a chat code, always in the current (post-2023) form."""
    return "[&" + binascii.b2a_base64(encode_payload(template), newline=False).decode() + "]"
