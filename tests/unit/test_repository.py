"""The repository's promises to its users: the README's commands, the changelog, one version."""

from __future__ import annotations

import re
import tomllib

from gw2wvw import __version__
from tests.conftest import REPO


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_the_readme_has_two_commands_and_ci_runs_the_second() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_the_changelog_follows_keep_a_changelog() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "## [Unreleased]" in text
    # The newest release is the version the distributions carry.
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", text, flags=re.MULTILINE)
    assert released
    assert released[0] == __version__
    sections = re.findall(r"^### (\w+)$", text, flags=re.MULTILINE)
    assert sections
    assert set(sections) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_members_take_the_one_version_and_depend_on_the_core() -> None:
    for member in ("gw2wvw_api", "gw2wvw_worker"):
        project = tomllib.loads((REPO / member / "pyproject.toml").read_text())
        assert project["project"]["dynamic"] == ["version"]
        assert project["tool"]["hatch"]["version"]["path"] == "../gw2wvw/_version.py"
        assert any(re.match(r"gw2wvw\b", d) for d in project["project"]["dependencies"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
