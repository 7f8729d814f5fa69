"""Optional dependencies: a missing one names the extra that brings it, before anything runs."""

from __future__ import annotations

import sys

import pytest

from gw2wvw._console import main
from gw2wvw._extras import EXTRAS, MissingExtraError, missing_modules, require, requires
from gw2wvw.errors import Gw2WvwError
from gw2wvw.store.engine import normalise_url


def test_the_error_is_ours_and_an_import_error() -> None:
    error = MissingExtraError("redis", ("redis",), "gw2wvw.cache")
    assert isinstance(error, Gw2WvwError)
    assert isinstance(error, ModuleNotFoundError)
    assert error.name == "redis"
    assert (
        str(error) == "gw2wvw.cache needs redis: install the extra with pip install 'gw2wvw[redis]'"
    )
    assert str(MissingExtraError("squad", ("highspy", "numpy"))).startswith(
        "this needs highspy, numpy: "
    )


def test_a_guarded_block_does_not_run_without_its_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    ran = []
    with pytest.raises(MissingExtraError) as raised, requires("squad", "the solver"):
        ran.append(True)
    assert ran == []
    assert raised.value.missing == ("numpy",)
    assert missing_modules("squad") == ("numpy",)


def test_a_guarded_block_runs_when_everything_is_there() -> None:
    ran = []
    with requires("cli"):
        ran.append(True)
    assert ran == [True]
    for extra in EXTRAS:
        require(extra)  # the development environment has every extra


def test_postgresql_urls_need_the_postgres_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalise_url("postgresql://h/d").drivername == "postgresql+asyncpg"
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    with pytest.raises(MissingExtraError, match=r"PostgreSQL needs asyncpg: .*gw2wvw\[postgres\]"):
        normalise_url("postgresql://h/d")
    assert normalise_url("sqlite://").drivername == "sqlite+aiosqlite"


def test_the_console_script_without_the_cli_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "gw2wvw.cli", raising=False)
    monkeypatch.setitem(sys.modules, "typer", None)
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "gw2wvw: the gw2wvw command line needs typer: install the extra with "
        "pip install 'gw2wvw[cli]'\n"
    )


def test_the_console_script_runs_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["gw2wvw", "--version"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("gw2wvw ")
