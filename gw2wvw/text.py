"""Text that may be stored: no control characters, no lone surrogates, on every database.

PostgreSQL refuses NUL in text and no database can encode a lone surrogate as UTF-8, so such
input would fail deep in the driver; these types refuse it where text enters, with the field's
path and a plain message. ``Line`` is one line (names, tags, filters); ``Paragraph`` may hold
tabs and line breaks (descriptions, notes).
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_PARAGRAPH = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

LINE_PATTERN = r"^[^\u0000-\u001f\u007f]*$"
"""The JSON Schema ``pattern`` of a :data:`Line` (what OpenAPI clients and fuzzers are told)."""

PARAGRAPH_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"
"""The JSON Schema ``pattern`` of a :data:`Paragraph`."""


def unstorable(text: str, *, multiline: bool = False) -> str | None:
    """What makes ``text`` unfit to store (a plain sentence), or None when it is fine."""
    found = (_PARAGRAPH if multiline else _LINE).search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"contains an unpaired surrogate (U+{ord(char):04X}) at character {found.start()}"
    return f"contains a control character (U+{ord(char):04X}) at character {found.start()}"


def _line(value: str) -> str:
    problem = unstorable(value)
    if problem is not None:
        raise PydanticCustomError("control_character", problem)
    return value


def _paragraph(value: str) -> str:
    problem = unstorable(value, multiline=True)
    if problem is not None:
        raise PydanticCustomError("control_character", problem)
    return value


Line = Annotated[str, AfterValidator(_line), Field(json_schema_extra={"pattern": LINE_PATTERN})]
"""One line of text: no control characters (tab and line breaks included)."""

Paragraph = Annotated[
    str, AfterValidator(_paragraph), Field(json_schema_extra={"pattern": PARAGRAPH_PATTERN})
]
"""Text that may span lines: tabs and line breaks, but no other control characters."""


def did_you_mean(given: str, choices: list[str]) -> str:
    """`` (did you mean 'X'?)`` for the choice closest to ``given`` in any case, or ``""``."""
    folded = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(given.casefold(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""
