"""Users' GW2 API keys on SQLite and PostgreSQL: encrypted at rest, replaced, deleted."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from gw2wvw.settings import Settings
from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    Cipher,
    EncryptionError,
    NotFound,
    Store,
    Unauthenticated,
    cipher_from_settings,
    open_store,
)
from gw2wvw.store.encryption import KEY_FILE
from gw2wvw.store.tables import Gw2Key
from tests.integration.conftest import sign_up
from tests.support.gw2accounts import KEY

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SCOPES = ("account", "builds", "characters")


@pytest.fixture
async def keyed(store: Store) -> AsyncIterator[Store]:
    """The same database, opened with an encryption key."""
    async with open_store(store.engine.url, cipher=Cipher([OLD])) as opened:
        yield opened


async def _put(store: Store, actor: Actor, key: str = KEY, name: str = "Ann.1234") -> bool:
    _, created = await store.gw2_keys.put(
        actor, key, key_name="raids", permissions=SCOPES, account_name=name
    )
    return created


async def test_a_key_is_stored_encrypted_and_read_back(keyed: Store) -> None:
    alice = await sign_up(keyed, "alice")
    assert await _put(keyed, alice) is True
    status = await keyed.gw2_keys.get(alice)
    assert (status.account_name, status.key_name, status.permissions) == (
        "Ann.1234",
        "raids",
        SCOPES,
    )
    assert KEY not in status.model_dump_json()
    assert await keyed.gw2_keys.secret(alice) == KEY
    async with keyed.transaction(write=False) as tx:
        (ciphertext,) = (await tx.session.execute(select(Gw2Key.ciphertext))).scalars().all()
    assert KEY not in ciphertext
    assert Fernet(OLD.encode()).decrypt(ciphertext.encode()).decode() == KEY


async def test_putting_again_replaces_the_one_key(keyed: Store) -> None:
    alice, bob = await sign_up(keyed, "alice"), await sign_up(keyed, "bob")
    await _put(keyed, alice)
    first = await keyed.gw2_keys.get(alice)
    assert await _put(keyed, alice, KEY.lower(), "Ann.5678") is False
    await _put(keyed, bob, "B0B-KEY")
    second = await keyed.gw2_keys.get(alice)
    assert second.account_name == "Ann.5678"
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    assert await keyed.gw2_keys.secret(alice) == KEY.lower()
    assert await keyed.gw2_keys.secret(bob) == "B0B-KEY"
    async with keyed.transaction(write=False) as tx:
        assert len((await tx.session.execute(select(Gw2Key.id))).all()) == 2


async def test_a_deleted_key_is_gone(keyed: Store) -> None:
    alice = await sign_up(keyed, "alice")
    await _put(keyed, alice)
    await keyed.gw2_keys.delete(alice)
    with pytest.raises(NotFound):
        await keyed.gw2_keys.get(alice)
    with pytest.raises(NotFound):
        await keyed.gw2_keys.secret(alice)
    with pytest.raises(NotFound):
        await keyed.gw2_keys.delete(alice)


async def test_deleting_the_user_deletes_the_key(keyed: Store) -> None:
    alice = await sign_up(keyed, "alice")
    await _put(keyed, alice)
    await keyed.users.delete(alice)
    async with keyed.transaction(write=False) as tx:
        assert (await tx.session.execute(select(Gw2Key.id))).all() == []


async def test_without_a_cipher_nothing_is_stored(store: Store) -> None:
    alice = await sign_up(store, "alice")
    with pytest.raises(EncryptionError, match="GW2WVW_ENCRYPTION_KEY"):
        await _put(store, alice)
    with pytest.raises(NotFound):
        await store.gw2_keys.get(alice)


async def test_anonymous_actors_have_no_key(keyed: Store) -> None:
    with pytest.raises(Unauthenticated):
        await keyed.gw2_keys.get(ANONYMOUS)


async def test_rotation_reads_old_keys_and_a_dropped_key_is_an_error(keyed: Store) -> None:
    alice = await sign_up(keyed, "alice")
    await _put(keyed, alice)
    async with open_store(keyed.engine.url, cipher=Cipher([NEW, OLD])) as rotated:
        assert await rotated.gw2_keys.secret(alice) == KEY
    async with open_store(keyed.engine.url, cipher=Cipher([NEW])) as dropped:
        with pytest.raises(EncryptionError, match="no longer lists"):
            await dropped.gw2_keys.secret(alice)


def test_rotate_re_encrypts_under_the_first_key() -> None:
    old = Cipher([OLD]).encrypt(KEY)
    rotated = Cipher([NEW, OLD]).rotate(old)
    assert Cipher([NEW]).decrypt(rotated) == KEY


@pytest.mark.parametrize("keys", [[], ["not a key"]])
def test_bad_keys_are_refused(keys: list[str]) -> None:
    with pytest.raises(ValueError, match="key"):
        Cipher(keys)


def test_the_setting_lists_keys_the_first_encrypting(tmp_path: Path) -> None:
    settings = Settings(encryption_key=f"{NEW}, {OLD}", data_dir=tmp_path)
    cipher = cipher_from_settings(settings)
    assert cipher is not None
    assert Cipher([NEW]).decrypt(cipher.encrypt(KEY)) == KEY
    assert cipher.decrypt(Cipher([OLD]).encrypt(KEY)) == KEY
    assert not (tmp_path / KEY_FILE).exists()


def test_the_embedded_mode_keeps_a_private_key_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = cipher_from_settings(Settings(data_dir=data_dir))
    assert first is not None
    mode = stat.S_IMODE((data_dir / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    again = cipher_from_settings(Settings(data_dir=data_dir))
    assert again is not None
    assert again.decrypt(first.encrypt(KEY)) == KEY


def test_a_server_database_without_a_key_gets_no_cipher(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql://db/gw2wvw")
    assert cipher_from_settings(settings) is None
    assert list(tmp_path.iterdir()) == []


def test_two_processes_starting_at_once_share_one_embedded_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    theirs = Fernet.generate_key().decode()
    (data_dir / KEY_FILE).write_text(theirs + "\n")
    real = Path.read_text
    calls: list[Path] = []

    def late(path: Path, *args: object, **kwargs: object) -> str:
        # The other process wrote the file just after this one looked for it.
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", late)
    cipher = cipher_from_settings(Settings(data_dir=data_dir))
    monkeypatch.undo()
    assert cipher is not None
    assert Cipher([theirs]).decrypt(cipher.encrypt(KEY)) == KEY
    assert (data_dir / KEY_FILE).read_text().strip() == theirs
