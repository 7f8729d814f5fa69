"""``gw2wvw event``: announce raid nights, sign up, lock and plan the squad on the store.

Every command acts as the user ``--as`` names (``GW2WVW_USER``): the CLI runs beside the
database, so it trusts the name it is given, as ``gw2wvw db`` trusts its URL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

from gw2wvw.cli._output import console, fail, print_json
from gw2wvw.cli.db import UrlOption

if TYPE_CHECKING:
    from gw2wvw.store import Actor, RaidRead, SignupRead, Store
    from gw2wvw.store.planning import EventPlan

# The store (SQLAlchemy) and the builder (HiGHS) load when a command runs, not at CLI start.

app = typer.Typer(help="Raid nights: announce, sign up, lock and plan.", no_args_is_help=True)

T = TypeVar("T")

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="GW2WVW_USER", help="The user acting (GW2WVW_USER).", show_default=False
    ),
]
EventArgument = Annotated[str, typer.Argument(help="The event's id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _event_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        fail(f"{text!r} is not an event id")


def _run(url: str | None, user: str | None, action: Callable[[Store, Actor], Awaitable[T]]) -> T:
    """Run ``action`` on the store as ``user`` (anonymous when None); store errors exit 2."""
    from gw2wvw.settings import Settings
    from gw2wvw.store import ANONYMOUS, Actor, NotFound, StoreError, StoreUnavailable, open_store

    target = url or Settings().resolved_database_url()

    async def run() -> T:
        async with open_store(target) as store:
            actor = ANONYMOUS
            if user is not None:
                try:
                    found = await store.users.get_by_name(user)
                except NotFound:
                    fail(f"there is no user named {user!r}")
                actor = Actor(user_id=found.id, name=found.name)
            return await action(store, actor)

    try:
        return asyncio.run(run())
    except StoreUnavailable as error:
        fail(str(error), code=1)
    except StoreError as error:
        fail(str(error))


def _events_table(events: tuple[RaidRead, ...] | list[RaidRead]) -> Table:
    table = Table(title="Events")
    for column in ("id", "name", "starts", "mode", "size", "tag", "sign-ups", "state"):
        table.add_column(column)
    for event in events:
        state = ("locked" if event.locked else "open") + (
            ", planned" if event.composition_id else ""
        )
        table.add_row(
            str(event.id),
            event.name,
            f"{event.local_start:%Y-%m-%d %H:%M} {event.time_zone}",
            event.mode,
            str(event.size),
            event.guild_tag or "",
            str(event.signups),
            state,
        )
    return table


def _signups_table(signups: list[SignupRead]) -> Table:
    table = Table(title="Sign-ups")
    for column in ("player", "user", "status", "can play (most preferred first)", "note"):
        table.add_column(column)
    for signup in signups:
        table.add_row(
            signup.player,
            signup.user.name,
            signup.status,
            ", ".join(signup.specializations),
            signup.note,
        )
    return table


def _print_plan(planned: EventPlan) -> None:
    table = Table(title=f"Squad for {planned.event.name} ({planned.status})")
    for column in ("party", "player", "archetype"):
        table.add_column(column)
    for n, party in enumerate(planned.composition.parties, start=1):
        for member in party.members:
            table.add_row(str(n), member.player or "", member.archetype or "")
    console.print(table)
    changes = Table(title="Changes")
    for column in ("player", "change", "from", "to", "why"):
        changes.add_column(column)
    for change in planned.changes:
        before, after = change.before, change.after
        changes.add_row(
            change.player,
            change.kind,
            f"party {before.party}: {before.archetype}" if before else "",
            f"party {after.party}: {after.archetype}" if after else "",
            change.reason,
        )
    console.print(changes)
    for player, reason in planned.waiting.items():
        console.print(f"waiting: {player}: {reason}", markup=False)


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="The event's name.")],
    starts: Annotated[
        str,
        typer.Option(
            help="Start, ISO 8601; without an offset it is in --time-zone.", show_default=False
        ),
    ],
    time_zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin.")] = "UTC",
    mode: Annotated[str, typer.Option(help="zerg, guild_raid, havoc or roaming.")] = "zerg",
    size: Annotated[int, typer.Option(help="Squad slots, 5-50.")] = 50,
    guild_tag: Annotated[str | None, typer.Option(help="The guild's tag, 1-4 letters.")] = None,
    visibility: Annotated[str, typer.Option(help="private, unlisted or public.")] = "private",
    user: AsOption = None,
    database_url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Announce a raid night."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from pydantic import ValidationError

    from gw2wvw.store import RaidCreate

    try:
        start = datetime.fromisoformat(starts)
    except ValueError:
        fail(f"--starts {starts!r} is not an ISO 8601 date and time")
    if start.tzinfo is None:
        try:
            start = start.replace(tzinfo=ZoneInfo(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            fail(f"--time-zone {time_zone!r} is not an IANA time zone")
    try:
        new = RaidCreate.model_validate(
            {
                "name": name,
                "starts_at": start,
                "time_zone": time_zone,
                "mode": mode,
                "size": size,
                "guild_tag": guild_tag,
                "visibility": visibility,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"invalid --{str(first['loc'][0]).replace('_', '-')}: {first['msg']}")
    event = _run(database_url, user, lambda store, actor: store.raids.create(actor, new))
    if json_output:
        print_json(event.model_dump(mode="json"))
        return
    console.print(_events_table([event]))


@app.command("list")
def list_command(
    owner: Annotated[str | None, typer.Option(help="Only this user's events.")] = None,
    guild_tag: Annotated[str | None, typer.Option(help="Only this guild's events.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many.")] = 20,
    user: AsOption = None,
    database_url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """List the events you may see, soonest first."""
    from pydantic import ValidationError

    from gw2wvw.store import RaidQuery

    try:
        query = RaidQuery(owner=owner, guild_tag=guild_tag, limit=limit)
    except ValidationError as error:
        fail(f"invalid filter: {error.errors()[0]['msg']}")
    page = _run(database_url, user, lambda store, actor: store.raids.list(actor, query))
    if json_output:
        print_json(page.model_dump(mode="json"))
        return
    console.print(_events_table(page.items))


@app.command("show")
def show_command(
    event: EventArgument,
    user: AsOption = None,
    database_url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show an event and who signed up with what."""
    ident = _event_id(event)

    async def load(store: Store, actor: Actor) -> tuple[RaidRead, list[SignupRead]]:
        found = await store.raids.get(actor, ident)
        return found, list(await store.raids.signups(actor, ident))

    found, signups = _run(database_url, user, load)
    if json_output:
        print_json(
            {
                "event": found.model_dump(mode="json"),
                "signups": [s.model_dump(mode="json") for s in signups],
            }
        )
        return
    console.print(_events_table([found]))
    console.print(_signups_table(signups))


@app.command("signup")
def signup_command(
    event: EventArgument,
    specializations: Annotated[
        list[str] | None,
        typer.Argument(help="Specialization names or archetype ids, most preferred first."),
    ] = None,
    player: Annotated[str | None, typer.Option(help="Name in the squad.")] = None,
    status: Annotated[str, typer.Option(help="coming, maybe, late or backup.")] = "coming",
    note: Annotated[str, typer.Option(help="A note for the officer.")] = "",
    for_user: Annotated[
        str | None, typer.Option("--for", help="Sign this user up (the event's owner only).")
    ] = None,
    withdraw: Annotated[bool, typer.Option(help="Take the sign-up back instead.")] = False,
    user: AsOption = None,
    database_url: UrlOption = None,
) -> None:
    """Sign up to an event, change your sign-up, or withdraw it."""
    from pydantic import ValidationError

    from gw2wvw.store import SignupIn

    ident = _event_id(event)
    if withdraw:
        _run(
            database_url,
            user,
            lambda store, actor: store.raids.withdraw(actor, ident, user=for_user),
        )
        console.print("withdrawn")
        return
    if not specializations:
        fail("name what you can play: specialization names or archetype ids")
    try:
        signup = SignupIn.model_validate(
            {
                "player": player,
                "specializations": specializations,
                "status": status,
                "note": note,
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"invalid {first['loc'][0]}: {first['msg']}")
    done = _run(
        database_url,
        user,
        lambda store, actor: store.raids.sign_up(actor, ident, signup, user=for_user),
    )
    console.print(_signups_table([done]))


@app.command("lock")
def lock_command(
    event: EventArgument,
    unlock: Annotated[bool, typer.Option(help="Unlock instead.")] = False,
    user: AsOption = None,
    database_url: UrlOption = None,
) -> None:
    """Lock an event's sign-ups (only you, its owner, may change them then), or unlock."""
    ident = _event_id(event)
    done = _run(
        database_url,
        user,
        lambda store, actor: store.raids.set_locked(actor, ident, not unlock),
    )
    console.print(f"{done.name}: {'locked' if done.locked else 'unlocked'}", markup=False)


@app.command("plan")
def plan_command(
    event: EventArgument,
    free: Annotated[
        bool, typer.Option("--free", help="Re-plan freely instead of keeping placed players.")
    ] = False,
    time_limit: Annotated[float, typer.Option(min=0.1, max=600, help="Solver seconds.")] = 10.0,
    user: AsOption = None,
    database_url: UrlOption = None,
    json_output: JsonOption = False,
) -> None:
    """Build the squad from the sign-ups, save it as the event's composition, show the changes."""
    ident = _event_id(event)

    def plan(store: Store, actor: Actor) -> Awaitable[EventPlan]:
        return store.raids.plan(actor, ident, keep=not free, time_limit=time_limit)

    planned = _run(database_url, user, plan)
    if json_output:
        shown: dict[str, Any] = planned.model_dump(mode="json")
        print_json(shown)
        return
    _print_plan(planned)
