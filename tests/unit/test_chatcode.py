"""The chat code codec: published codes, round trips, precise errors and fuzzing."""

from __future__ import annotations

import base64
import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gw2wvw import chatcode
from gw2wvw.chatcode import (
    BuildTemplate,
    ChatCodeError,
    RangerPets,
    RevenantLegends,
    SkillPalettes,
    SpecializationChoice,
    decode,
    decode_payload,
    encode,
    encode_payload,
)
from tests.fixtures import KnownCode, known_codes

CODES = known_codes()
PROFESSION_CODES = {
    "Guardian": 1,
    "Warrior": 2,
    "Engineer": 3,
    "Ranger": 4,
    "Thief": 5,
    "Elementalist": 6,
    "Mesmer": 7,
    "Necromancer": 8,
    "Revenant": 9,
}


def test_the_fixture_holds_all_38_published_codes() -> None:
    assert len(CODES) == 38
    assert sum(c.legacy for c in CODES) == 15


@pytest.mark.parametrize("known", CODES, ids=lambda k: k.code[:24])
def test_published_codes_decode_to_what_their_source_states(known: KnownCode) -> None:
    template = decode(known.code)
    assert template.profession == PROFESSION_CODES[known.profession]
    assert tuple(s.id for s in template.specializations) == known.specializations
    assert template.weapons == known.weapons
    assert template.skill_overrides == known.overrides
    if known.pets is not None:
        pets = template.pets
        assert (*pets.terrestrial, *pets.aquatic) == known.pets
    if known.legends is not None:
        legends = template.legends
        assert (*legends.terrestrial, *legends.aquatic) == known.legends


@pytest.mark.parametrize("known", [c for c in CODES if not c.legacy], ids=lambda k: k.code[:24])
def test_current_form_codes_encode_back_byte_for_byte(known: KnownCode) -> None:
    assert encode(decode(known.code)) == known.code


@pytest.mark.parametrize("known", [c for c in CODES if c.legacy], ids=lambda k: k.code[:24])
def test_legacy_codes_are_rewritten_in_the_current_form_without_loss(known: KnownCode) -> None:
    template = decode(known.code)
    rewritten = encode(template)
    assert decode(rewritten) == template
    legacy_bytes = base64.b64decode(known.code[2:-1])
    current_bytes = base64.b64decode(rewritten[2:-1])
    assert len(legacy_bytes) == chatcode.LEGACY_SIZE
    assert current_bytes == legacy_bytes + b"\x00\x00"


def test_trait_choices_are_read_from_two_bit_fields() -> None:
    # Guardian fixture of GW2ToolBelt, bytes 0D 01 10 2F 2A 3A 1B 39 26 0F 26 0F 8A 12 ...:
    # line 2 is Zeal (0x2A) with trait byte 0x3A = 0b11_10_10; both heals are palette 0x0F26.
    template = decode("[&DQEQLyo6GzkmDyYPihI2AUgBSAH+AP4AtRKJEgAAAAAAAAAAAAAAAAAAAAA=]")
    assert template.specializations[1] == SpecializationChoice(42, (2, 2, 3))
    assert template.terrestrial.heal == template.aquatic.heal == 0x0F26
    assert template.terrestrial.utilities[0] == 0x128A


def test_surrounding_whitespace_is_ignored() -> None:
    code = CODES[0].code
    assert decode(f"  {code}\n") == decode(code)


def _code(payload: bytes) -> str:
    return "[&" + base64.b64encode(payload).decode() + "]"


LEGACY = base64.b64decode(CODES[5].code[2:-1])


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("DQEQLyo6]", "starts with '[&'", None),
        ("[&DQEQLyo6", "ends with ']'", None),
        ("[&]", "is empty", None),
        ("[&DQ*Q]", "not valid base64", None),
        ("[&DQE]", "not valid base64", None),
        ("[&ÄÖ==]", "not valid base64", None),
        (_code(b"\x02\x01\x00"), "type byte 0x02 (item link)", 0),
        (_code(b"\x7f" + bytes(43)), "type byte 0x7F (unknown link)", 0),
        (_code(LEGACY[:30]), "truncated at byte 30", 30),
        (_code(LEGACY + b"\x03\x05\x00"), "weapon count 3 at byte 44", 44),
        (_code(LEGACY + b"\x01"), "weapon count 1 at byte 44", 44),
        (_code(LEGACY + b"\x00"), "weapon count 0 at byte 44", 44),
        (_code(LEGACY + b"\x00\x02\x01\x00\x00\x00"), "skill override count 2 at byte 45", 45),
        (_code(LEGACY + b"\x00\x00\xff\xee"), "2 trailing bytes after byte 46", 46),
    ],
)
def test_malformed_codes_say_what_and_where(text: str, message: str, offset: int | None) -> None:
    with pytest.raises(ChatCodeError) as caught:
        decode(text)
    assert message in str(caught.value)
    assert caught.value.offset == offset


def test_unused_trait_bits_are_refused_with_their_byte() -> None:
    payload = bytearray(LEGACY)
    payload[5] |= 0xC0
    with pytest.raises(ChatCodeError, match="specialization 2 has trait byte") as caught:
        decode_payload(bytes(payload))
    assert caught.value.offset == 5


def test_non_text_input_is_a_chat_code_error() -> None:
    with pytest.raises(ChatCodeError, match="is text, not bytes"):
        decode(b"[&DQ==]")  # type: ignore[arg-type]


def test_empty_payload() -> None:
    with pytest.raises(ChatCodeError, match="empty"):
        decode_payload(b"")


def _template(**changes: object) -> BuildTemplate:
    base = decode(CODES[19].code)
    fields = {
        "profession": base.profession,
        "specializations": base.specializations,
        "terrestrial": base.terrestrial,
        "aquatic": base.aquatic,
        "profession_block": base.profession_block,
        "weapons": base.weapons,
        "skill_overrides": base.skill_overrides,
    }
    fields.update(changes)
    return BuildTemplate(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"profession": 256}, "does not fit"),
        ({"weapons": (70000,)}, "does not fit"),
        ({"skill_overrides": (2**32,)}, "does not fit"),
        ({"weapons": (1,) * 256}, "at most 255"),
        ({"profession_block": b"\x00"}, "16 bytes, not 1"),
        (
            {"specializations": (SpecializationChoice(1, (0, 4, 0)),) * 3},
            "three values 0-3",
        ),
        ({"specializations": (SpecializationChoice(1, (0, 0, 0)),) * 2}, "3 specialization lines"),
        ({"terrestrial": SkillPalettes(-1, (0, 0, 0), 0)}, "does not fit"),
    ],
)
def test_templates_that_do_not_fit_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ChatCodeError, match=message):
        encode(_template(**changes))


def test_profession_blocks_round_trip() -> None:
    pets = RangerPets((59, 46), (21, 47))
    assert (
        BuildTemplate(
            4,
            (SpecializationChoice(0, (0, 0, 0)),) * 3,
            SkillPalettes(0, (0, 0, 0), 0),
            SkillPalettes(0, (0, 0, 0), 0),
            chatcode.ranger_block(pets),
        ).pets
        == pets
    )
    legends = RevenantLegends((5, 2), (3, 2), (4564, 4651, 4614), (4614, 4651, 4564))
    block = chatcode.revenant_block(legends)
    assert len(block) == 16
    assert decode_payload(LEGACY[:28] + block).legends == legends


def test_profession_blocks_refuse_out_of_range_values() -> None:
    with pytest.raises(ChatCodeError, match="pet ids"):
        chatcode.ranger_block(RangerPets((300, 0), (0, 0)))
    with pytest.raises(ChatCodeError, match="legend bytes"):
        chatcode.revenant_block(RevenantLegends((1, 2), (0, 0), (70000, 0, 0), (0, 0, 0)))


u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
choices = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))
palettes = st.builds(SkillPalettes, u16, st.tuples(u16, u16, u16), u16)
templates = st.builds(
    BuildTemplate,
    profession=u8,
    specializations=st.tuples(*(st.builds(SpecializationChoice, u8, choices) for _ in range(3))),
    terrestrial=palettes,
    aquatic=palettes,
    profession_block=st.binary(min_size=16, max_size=16),
    weapons=st.lists(u16, max_size=12).map(tuple),
    skill_overrides=st.lists(st.integers(0, 2**32 - 1), max_size=12).map(tuple),
)


@given(templates)
def test_any_template_survives_a_round_trip(template: BuildTemplate) -> None:
    code = encode(template)
    assert decode(code) == template
    assert encode(decode(code)) == code


@settings(max_examples=500)
@given(st.binary(max_size=120))
def test_random_payloads_raise_nothing_but_chat_code_errors(payload: bytes) -> None:
    try:
        template = decode_payload(payload)
    except ChatCodeError:
        return
    assert encode_payload(template) == payload


@settings(max_examples=500)
@given(
    st.sampled_from([c.code for c in CODES]),
    st.lists(st.tuples(st.integers(0, 200), u8), min_size=1, max_size=4),
    st.integers(-8, 8),
)
def test_mutated_published_codes_raise_nothing_but_chat_code_errors(
    code: str, flips: list[tuple[int, int]], resize: int
) -> None:
    payload = bytearray(base64.b64decode(code[2:-1]))
    for position, value in flips:
        payload[position % len(payload)] = value
    payload = payload[: len(payload) + resize] if resize < 0 else payload + bytes(resize)
    try:
        template = decode(_code(bytes(payload)))
    except ChatCodeError:
        return
    assert decode(encode(template)) == template


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_random_text_raises_nothing_but_chat_code_errors(text: str) -> None:
    with contextlib.suppress(ChatCodeError):
        decode(text)
    with contextlib.suppress(ChatCodeError):
        decode("[&" + text + "]")


def test_weapon_and_override_arrays_are_little_endian() -> None:
    template = _template(weapons=(0x0133,), skill_overrides=(0x01020304,))
    tail = encode_payload(template)[chatcode.LEGACY_SIZE :]
    assert tail == b"\x01" + struct.pack("<H", 0x0133) + b"\x01" + struct.pack("<I", 0x01020304)
