"""Persistence: an async store of users, tokens, builds, compositions and webhooks on SQLite or
PostgreSQL, with a transactional outbox of events.

>>> async with open_store("sqlite+aiosqlite:///squads.db", migrate=True) as store:  # doctest: +SKIP
...     build = await store.builds.create(actor, BuildCreate(name="FB", chat_code="[&DQ...]"))
"""

from gw2wvw._extras import requires

with requires("store", "gw2wvw.store"):
    from gw2wvw.store.encryption import Cipher, EncryptionError, cipher_from_settings
    from gw2wvw.store.errors import (
        Conflict,
        ErrorDetail,
        NotFound,
        PermissionDenied,
        StoreError,
        StoreUnavailable,
        Unauthenticated,
        ValidationFailed,
        VersionConflict,
    )
    from gw2wvw.store.gw2keys import Gw2KeyRead
    from gw2wvw.store.schemas import (
        ANONYMOUS,
        Actor,
        BuildCreate,
        BuildPatch,
        BuildQuery,
        BuildRead,
        CompositionCreate,
        CompositionPatch,
        CompositionQuery,
        CompositionRead,
        EndpointCreate,
        EndpointPatch,
        EndpointRead,
        EndpointWithSecret,
        EventRead,
        IssuedToken,
        MemberIn,
        MemberRead,
        Page,
        PartyIn,
        PartyRead,
        TokenCreate,
        TokenRead,
        UserCreate,
        UserRead,
        UserRef,
        UserUpdate,
    )
    from gw2wvw.store.store import Store, UnitOfWork, open_store

__all__ = [
    "ANONYMOUS",
    "Actor",
    "BuildCreate",
    "BuildPatch",
    "BuildQuery",
    "BuildRead",
    "Cipher",
    "CompositionCreate",
    "CompositionPatch",
    "CompositionQuery",
    "CompositionRead",
    "Conflict",
    "EncryptionError",
    "EndpointCreate",
    "EndpointPatch",
    "EndpointRead",
    "EndpointWithSecret",
    "ErrorDetail",
    "EventRead",
    "Gw2KeyRead",
    "IssuedToken",
    "MemberIn",
    "MemberRead",
    "NotFound",
    "Page",
    "PartyIn",
    "PartyRead",
    "PermissionDenied",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TokenCreate",
    "TokenRead",
    "Unauthenticated",
    "UnitOfWork",
    "UserCreate",
    "UserRead",
    "UserRef",
    "UserUpdate",
    "ValidationFailed",
    "VersionConflict",
    "cipher_from_settings",
    "open_store",
]
