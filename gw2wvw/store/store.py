"""`Store`, `UnitOfWork` and `open_store`: one session per unit of work, one commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Executable, Row, exc, literal, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gw2wvw import gamedata
from gw2wvw.gamedata import GameData
from gw2wvw.settings import WebhookSettings
from gw2wvw.squad.roles import RolesTable, load_roles
from gw2wvw.store.base import Transaction
from gw2wvw.store.builds import BuildRepository
from gw2wvw.store.compositions import CompositionRepository
from gw2wvw.store.deliveries import DeliveryRepository
from gw2wvw.store.encryption import Cipher
from gw2wvw.store.engine import WRITE_OPTION, create_engine, translated_errors
from gw2wvw.store.errors import Conflict
from gw2wvw.store.fights import FightRepository
from gw2wvw.store.gw2keys import Gw2KeyRepository
from gw2wvw.store.migrate import upgrade
from gw2wvw.store.outbox import OutboxRepository
from gw2wvw.store.raids import RaidRepository
from gw2wvw.store.tokens import TokenRepository
from gw2wvw.store.users import UserRepository
from gw2wvw.store.webhooks import UrlCheck, WebhookRepository


class _Repositories:
    """Every repository, bound to one store and, optionally, one transaction."""

    def __init__(self, store: Store, transaction: Transaction | None) -> None:
        self.users = UserRepository(store, transaction)
        self.tokens = TokenRepository(store, transaction)
        self.gw2_keys = Gw2KeyRepository(store, transaction)
        self.builds = BuildRepository(store, transaction)
        self.compositions = CompositionRepository(store, transaction)
        self.fights = FightRepository(store, transaction)
        self.webhooks = WebhookRepository(store, transaction)
        self.deliveries = DeliveryRepository(store, transaction)
        self.outbox = OutboxRepository(store, transaction)
        self.raids = RaidRepository(store, transaction)


class UnitOfWork(_Repositories):
    """Several repository calls in one transaction, committed once when the block ends.

    >>> async with store.unit_of_work() as uow:  # doctest: +SKIP
    ...     build = await uow.builds.create(actor, new_build)
    ...     await uow.compositions.create(actor, a_composition_using(build))
    """

    def __init__(self, store: Store, transaction: Transaction) -> None:
        self.transaction = transaction
        super().__init__(store, transaction)


class Store(_Repositories):
    """The persistence facade: repositories per aggregate over one database.

    Open one with :func:`open_store`. Each repository call is its own unit of work, unless it is
    made through :meth:`unit_of_work`.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        data: GameData,
        roles: RolesTable,
        reads: AsyncEngine | None = None,
        *,
        webhooks: WebhookSettings | None = None,
        url_check: UrlCheck | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.reads = reads or engine
        self.data = data
        self.roles = roles
        self.webhook_settings = webhooks or WebhookSettings()
        self.url_check = url_check
        self.dialect = engine.dialect.name
        self._reads = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._writes = async_sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )
        super().__init__(self, None)

    async def fetch(self, statement: Executable, params: dict[str, Any]) -> list[Row[Any]]:
        """Rows of one read-only statement, outside any transaction.

        A single statement is consistent on its own, so it runs in autocommit mode: no BEGIN
        and COMMIT round trips on the hot read paths.
        """
        async with translated_errors(), self.reads.connect() as connection:
            return list((await connection.execute(statement, params)).all())

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[Transaction]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        factory = self._writes if write else self._reads
        async with translated_errors(), factory() as session:
            try:
                async with session.begin():
                    yield Transaction(session)
            except exc.IntegrityError as error:
                raise Conflict(f"the change clashes with stored data: {error.orig}") from error

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Repositories that share one transaction; it commits once, at the end."""
        async with self.transaction() as transaction:
            yield UnitOfWork(self, transaction)

    async def ping(self) -> None:
        """Raise :class:`~gw2wvw.store.errors.StoreUnavailable` unless the database answers."""
        async with self.transaction(write=False) as transaction:
            await transaction.session.execute(select(literal(1)))


@asynccontextmanager
async def open_store(
    url: str | URL,
    *,
    data: GameData | None = None,
    roles: RolesTable | None = None,
    migrate: bool = False,
    echo: bool = False,
    webhooks: WebhookSettings | None = None,
    url_check: UrlCheck | None = None,
    pool_size: int = 20,
    cipher: Cipher | None = None,
) -> AsyncIterator[Store]:
    """Open the store at ``url`` (SQLite or PostgreSQL) for the life of the block.

    ``migrate`` first upgrades the schema to the newest version. ``data`` and ``roles`` default
    to the bundled game data and roles table. ``webhooks`` sets the failure thresholds and the
    secret grace period (defaults otherwise); ``url_check`` vets webhook URLs before they are
    stored (``gw2wvw.events.url_check(...)``; without one only delivery time checks them).
    ``pool_size``: the PostgreSQL connections kept in each of the store's two pools.
    ``cipher`` encrypts users' GW2 API keys (without one, storing a key is refused).
    """
    engine = create_engine(url, echo=echo, pool_size=pool_size)
    # Single-statement reads get their own pool of autocommit connections: switching a pooled
    # connection in and out of autocommit costs round trips on every checkout. An in-memory
    # SQLite database exists only on its one connection, so there it has to be shared.
    in_memory = engine.url.get_backend_name() == "sqlite" and engine.url.database in (
        None,
        "",
        ":memory:",
    )
    reads = (
        engine if in_memory else create_engine(url, echo=echo, autocommit=True, pool_size=pool_size)
    )
    try:
        if migrate:
            await upgrade(engine)
        yield Store(
            engine,
            data or gamedata.load(),
            roles or load_roles(),
            reads,
            webhooks=webhooks,
            url_check=url_check,
            cipher=cipher,
        )
    finally:
        await engine.dispose()
        if reads is not engine:
            await reads.dispose()
