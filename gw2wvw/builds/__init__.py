"""Builds: the `Build` model, its chat-code translation and its validation."""

from gw2wvw.builds.chatcodes import build_from_chat_code, build_to_chat_code
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
from gw2wvw.builds.validation import ISSUE_CODES, Issue, ValidationReport, validate

__all__ = [
    "ISSUE_CODES",
    "Build",
    "BuildError",
    "InactiveUtilities",
    "Issue",
    "Legends",
    "Pets",
    "SkillBar",
    "Skills",
    "TraitLine",
    "ValidationReport",
    "build_from_chat_code",
    "build_to_chat_code",
    "validate",
]
