"""Fixtures of the packaging tests: the built wheels and one fresh environment per install."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.packaging import environments
from tests.packaging.environments import Environment

EnvironmentFactory = Callable[[str], Environment]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheels and sdists of all three distributions, built once per session."""
    given = os.environ.get("GW2WVW_WHEELHOUSE")
    if given:
        return Path(given)
    return environments.build_wheels(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> EnvironmentFactory:
    """``environment("squad")``: the fresh environment of ``pip install 'gw2wvw[squad]'``."""
    root = tmp_path_factory.mktemp("environments")
    constraints = environments.locked_constraints(root / "constraints.txt")
    made: dict[str, Environment] = {}

    def get(name: str) -> Environment:
        if name not in made:
            made[name] = environments.create(name, root / name, wheelhouse, constraints)
        return made[name]

    return get
