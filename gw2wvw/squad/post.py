"""Squad posts: a composition and its evaluation as Discord webhook messages, Markdown or text.

A post shows the mode, size and score, every party's members (player, specialization,
archetype and chat code), the functions the party has and misses, its key boons (those the mode
targets) against their targets, and the findings.

The Discord form is a list of webhook message payloads that each stay within Discord's limits
(:data:`DISCORD_LIMITS`): a squad of 50 players becomes several messages. A chat code always
sits whole in a code span of one embed field, so it is never cut across fields or messages and
copies into the game in one piece. Free text (names, findings) is shortened with an ellipsis
where a limit needs it; chat codes never are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gw2wvw.builds import BuildError
from gw2wvw.gamedata import GameData
from gw2wvw.squad.composition import Composition, Member
from gw2wvw.squad.evaluation import Evaluation, Finding, PartyEvaluation
from gw2wvw.squad.roles import BOONS, FUNCTION_NAMES, Archetype, RolesTable, load_roles

PostFormat = Literal["discord", "markdown", "text"]
"""How a post is written: Discord webhook payloads, a Markdown document or plain text."""

POST_FORMATS: tuple[PostFormat, ...] = ("discord", "markdown", "text")
"""Every post format."""


@dataclass(frozen=True)
class DiscordLimits:
    """The sizes Discord accepts in one webhook message (its documented limits)."""

    content: int = 2000
    embeds: int = 10
    fields: int = 25
    title: int = 256
    description: int = 4096
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    total: int = 6000
    """Characters of all embeds' titles, descriptions, field names and values and footers."""


DISCORD_LIMITS = DiscordLimits()
"""Discord's limits for webhook messages."""

_SEVERITY_MARKS = {"critical": "🔴", "warning": "🟡", "info": "🔵"}
_MARKDOWN_SPECIAL = frozenset("\\*_~`|>[]")


@dataclass(frozen=True)
class PostMember:
    """One member as a post shows it."""

    player: str | None
    specialization: str
    archetype: str
    chat_code: str | None
    commander: bool


@dataclass(frozen=True)
class PostBoon:
    """A party's predicted uptime of a boon the mode targets."""

    boon: str
    predicted: float
    target: float
    stacks: bool
    met: bool

    def describe(self) -> str:
        """E.g. ``might 11.9/8 stacks`` or ``quickness 27.3/25 %``."""
        if self.stacks:
            return f"{self.boon} {self.predicted:.1f}/{self.target:g} stacks"
        return f"{self.boon} {self.predicted:.1f}/{self.target:g} %"


@dataclass(frozen=True)
class PostParty:
    """One party as a post shows it."""

    number: int
    members: tuple[PostMember, ...]
    functions: tuple[str, ...]
    """The functions present, each with how many members fill it, e.g. ``healer 1``."""
    missing: tuple[str, ...]
    boons: tuple[PostBoon, ...]


@dataclass(frozen=True)
class SquadPost:
    """What a post of a composition says, before it is written in a format."""

    name: str
    mode: str
    size: int
    slots: int
    score: float
    parties: tuple[PostParty, ...]
    findings: tuple[Finding, ...]

    @property
    def chat_codes(self) -> tuple[str, ...]:
        """Every member's chat code, in squad order (a code appears once per member)."""
        return tuple(
            m.chat_code for p in self.parties for m in p.members if m.chat_code is not None
        )


def _specialization(archetype: Archetype, data: GameData) -> str:
    found = data.specializations.get(archetype.specialization)
    return found.name if found is not None else archetype.name.split(" (")[0]


def _chat_code(member: Member, archetype: Archetype, data: GameData) -> str | None:
    if member.build is None:
        return archetype.example.chat_code
    try:
        return member.build.to_chat_code(data)
    except BuildError:
        return None


def _party(
    number: int,
    members: Sequence[Member],
    archetypes: Sequence[Archetype],
    evaluated: PartyEvaluation,
    data: GameData,
) -> PostParty:
    shown = tuple(
        PostMember(
            player=member.player,
            specialization=_specialization(archetype, data),
            archetype=archetype.name,
            chat_code=_chat_code(member, archetype, data),
            commander=member.commander,
        )
        for member, archetype in zip(members, archetypes, strict=True)
    )
    boons = tuple(
        PostBoon(
            boon=boon,
            predicted=uptime.predicted,
            target=uptime.target,
            stacks=uptime.unit == "stacks",
            met=(uptime.achieved or 0) >= 1,
        )
        for boon in BOONS
        if (uptime := evaluated.boons.get(boon)) is not None and uptime.target is not None
    )
    functions = tuple(
        f"{FUNCTION_NAMES[function]} {len(filled)}"
        for function, filled in evaluated.functions.items()
    )
    return PostParty(number, shown, functions, evaluated.missing, boons)


def squad_post(
    composition: Composition,
    evaluation: Evaluation,
    roles: RolesTable | None = None,
    data: GameData | None = None,
) -> SquadPost:
    """Gather what a post of ``composition`` shows; ``evaluation`` is its evaluation.

    Members with an archetype show its example build's chat code; members with a build show
    that build's code (none when it cannot be encoded). Raises
    :class:`~gw2wvw.squad.CompositionError` when the composition names what ``roles`` lacks.
    """
    from gw2wvw import gamedata

    roles = roles or load_roles()
    data = data or gamedata.load()
    resolved = composition.resolve(roles)
    parties = tuple(
        _party(number, party.members, archetypes, evaluated, data)
        for number, (party, archetypes, evaluated) in enumerate(
            zip(composition.parties, resolved, evaluation.parties, strict=True), start=1
        )
    )
    return SquadPost(
        name=composition.name,
        mode=evaluation.mode,
        size=evaluation.members,
        slots=evaluation.slots,
        score=evaluation.score,
        parties=parties,
        findings=evaluation.findings,
    )


def escape_markdown(text: str) -> str:
    """``text`` with the characters Discord and CommonMark read as formatting escaped."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


def discord_length(text: str) -> int:
    """How long Discord may count ``text``: UTF-16 code units, never fewer than code points."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` (by :func:`discord_length`), ending in an ellipsis."""
    if discord_length(text) <= limit:
        return text
    kept = ""
    for character in text:
        if discord_length(kept + character) > limit - 1:
            break
        kept += character
    return kept.rstrip("\\") + "…"


def _heading(post: SquadPost) -> str:
    slots = f" of {post.slots} slots" if post.slots != post.size else ""
    return f"{post.mode}, {post.size} players{slots}, score {post.score:.1f}/100"


def _member_label(member: PostMember) -> str:
    return f"{member.specialization} · {member.archetype}"


def _player(member: PostMember, markdown: bool) -> str:
    """The member's player (empty when the squad names none), marked when commanding."""
    name = member.player or ""
    name = escape_markdown(name) if markdown else name
    return (name + (" (commander)" if member.commander else "")).strip()


def _finding_line(finding: Finding) -> str:
    return f"{_SEVERITY_MARKS[finding.severity]} {finding.severity}: {finding.message}"


def _embed_length(embed: dict[str, Any]) -> int:
    fields = embed.get("fields", ())
    return sum(
        discord_length(text)
        for text in (
            embed.get("title", ""),
            embed.get("description", ""),
            embed.get("footer", {}).get("text", ""),
            *(f["name"] + f["value"] for f in fields),
        )
    )


def _field(name: str, value: str, limits: DiscordLimits, inline: bool = False) -> dict[str, Any]:
    return {
        "name": shorten(name, limits.field_name),
        "value": shorten(value or "-", limits.field_value),
        "inline": inline,
    }


def _member_field(number: int, member: PostMember, limits: DiscordLimits) -> dict[str, Any]:
    name = shorten(f"{number}. {_player(member, markdown=True)}".strip(), limits.field_name)
    label = escape_markdown(_member_label(member))
    if member.chat_code is None:
        return {"name": name, "value": shorten(label, limits.field_value), "inline": False}
    code = f"`{member.chat_code}`"
    # The code is kept whole; only the label before it gives way.
    room = limits.field_value - discord_length(code) - 1
    return {"name": name, "value": f"{shorten(label, room)}\n{code}", "inline": False}


def _party_embed(party: PostParty, limits: DiscordLimits) -> dict[str, Any]:
    fields = [_member_field(n, m, limits) for n, m in enumerate(party.members, start=1)]
    fields.append(_field("Functions", ", ".join(party.functions), limits, inline=True))
    fields.append(_field("Missing", escape_markdown(", ".join(party.missing)), limits, True))
    boons = "\n".join(("✅ " if b.met else "⚠️ ") + b.describe() for b in party.boons)
    fields.append(_field("Key boons (predicted)", boons, limits))
    return {"title": f"Party {party.number}", "fields": fields}


def _chunks(lines: Sequence[str], limit: int) -> Iterator[str]:
    """``lines`` joined by newlines into pieces of at most ``limit``; a longer line is cut."""
    piece = ""
    for line in lines:
        line = shorten(line, limit)
        joined = f"{piece}\n{line}" if piece else line
        if discord_length(joined) > limit:
            yield piece
            joined = line
        piece = joined
    if piece:
        yield piece


def _findings_embeds(post: SquadPost, limits: DiscordLimits) -> list[dict[str, Any]]:
    lines = [escape_markdown(_finding_line(f)) for f in post.findings] or ["none"]
    # A quarter of a message per embed, so findings share messages with parties.
    pieces = list(_chunks(lines, min(limits.description, limits.total // 4)))
    return [
        {"title": "Findings" if i == 0 else f"Findings ({i + 1})", "description": piece}
        for i, piece in enumerate(pieces)
    ]


def discord_messages(
    post: SquadPost, limits: DiscordLimits = DISCORD_LIMITS
) -> list[dict[str, Any]]:
    """``post`` as Discord webhook message payloads, in order, each within ``limits``.

    Each party is one embed; the summary comes first and the findings last. Embeds fill a
    message up to its embed count and total size, then the next message starts. No payload
    pings anyone: ``allowed_mentions`` parses nothing.
    """
    summary = {
        "title": shorten(escape_markdown(post.name), limits.title),
        "description": shorten(_heading(post), limits.description),
    }
    embeds = [
        summary,
        *(_party_embed(p, limits) for p in post.parties),
        *_findings_embeds(post, limits),
    ]
    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for embed in embeds:
        length = _embed_length(embed)
        if groups[-1] and (len(groups[-1]) >= limits.embeds or size + length > limits.total):
            groups.append([])
            size = 0
        groups[-1].append(embed)
        size += length
    title = escape_markdown(post.name)
    messages = []
    for number, group in enumerate(groups, start=1):
        part = f" ({number}/{len(groups)})" if len(groups) > 1 else ""
        messages.append(
            {
                "content": shorten(f"**{title}**{part}", limits.content),
                "embeds": group,
                "allowed_mentions": {"parse": []},
            }
        )
    return messages


def markdown(post: SquadPost) -> str:
    """``post`` as one Markdown document: a table of members per party, then the findings."""
    lines = [f"## {escape_markdown(post.name)}", "", _heading(post)]
    for party in post.parties:
        lines += [
            "",
            f"### Party {party.number}",
            "",
            "| # | player | specialization | archetype | chat code |",
            "|---|---|---|---|---|",
        ]
        for number, member in enumerate(party.members, start=1):
            code = f"`{member.chat_code}`" if member.chat_code else "-"
            lines.append(
                f"| {number} | {_player(member, markdown=True) or '-'} | "
                f"{escape_markdown(member.specialization)} | "
                f"{escape_markdown(member.archetype)} | {code} |"
            )
        lines += [
            "",
            f"- **Functions:** {', '.join(party.functions) or '-'}",
            f"- **Missing:** {escape_markdown(', '.join(party.missing)) or '-'}",
            f"- **Key boons (predicted):** {', '.join(b.describe() for b in party.boons) or '-'}",
        ]
    lines += ["", "### Findings", ""]
    lines += [f"- {escape_markdown(_finding_line(f))}" for f in post.findings] or ["- none"]
    return "\n".join(lines) + "\n"


def text(post: SquadPost) -> str:
    """``post`` as plain text; every chat code stands whole at the end of its member's line."""
    lines = [post.name, _heading(post)]
    for party in post.parties:
        lines += ["", f"Party {party.number}"]
        for number, member in enumerate(party.members, start=1):
            code = f"  {member.chat_code}" if member.chat_code else ""
            player = _player(member, markdown=False)
            who = f"{player}: " if player else ""
            lines.append(f"  {number}. {who}{_member_label(member)}{code}")
        lines += [
            f"  functions: {', '.join(party.functions) or '-'}",
            f"  missing: {', '.join(party.missing) or '-'}",
            f"  key boons (predicted): {', '.join(b.describe() for b in party.boons) or '-'}",
        ]
    lines += ["", "Findings"]
    lines += [f"  {f.severity}: {f.message}" for f in post.findings] or ["  none"]
    return "\n".join(lines) + "\n"


def render_post(post: SquadPost, format: PostFormat) -> list[dict[str, Any]] | str:
    """``post`` in ``format``: a list of Discord payloads, or a Markdown or text document."""
    if format == "discord":
        return discord_messages(post)
    return markdown(post) if format == "markdown" else text(post)
