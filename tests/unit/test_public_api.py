"""The public face: what ``gw2wvw`` exports, lazily, documented, and the same as the docs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import gw2wvw
from gw2wvw._extras import MissingExtraError
from tests.support.live_server import REPO

CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"


def test_all_is_sorted_unique_and_every_name_resolves() -> None:
    assert gw2wvw.__all__ == sorted(set(gw2wvw.__all__))
    for name in gw2wvw.__all__:
        assert getattr(gw2wvw, name) is not None, name
    assert set(gw2wvw.__all__) <= set(dir(gw2wvw))


@pytest.mark.parametrize("name", [n for n in gw2wvw.__all__ if n != "__version__"])
def test_every_exported_name_has_a_one_line_summary(name: str) -> None:
    value = getattr(gw2wvw, name)
    # A constant (ANONYMOUS) is documented by its type.
    documented = value if callable(value) else type(value)
    summary = (documented.__doc__ or "").strip().splitlines()
    assert summary, f"gw2wvw.{name} has no docstring"
    assert summary[0].endswith("."), f"gw2wvw.{name}: {summary[0]!r}"


def test_the_reference_page_documents_exactly_the_public_names() -> None:
    page = (REPO / "docs" / "reference.md").read_text()
    documented = re.findall(r"^::: gw2wvw\.(\w+)$", page, flags=re.MULTILINE)
    assert sorted(documented) == sorted(set(gw2wvw.__all__) - {"__version__"})
    assert len(documented) == len(set(documented))


def test_import_gw2wvw_loads_nothing_until_a_name_is_used() -> None:
    script = (
        "import sys, gw2wvw\n"
        "before = sorted(m for m in sys.modules if m.startswith(('gw2wvw', 'pydantic')))\n"
        f"gw2wvw.decode({CODE!r})\n"
        "print(before, 'gw2wvw.builds' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == (
        "['gw2wvw', 'gw2wvw._extras', 'gw2wvw._version', 'gw2wvw.errors'] True"
    )


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'decoded'"):
        gw2wvw.decoded  # noqa: B018
    assert not hasattr(gw2wvw, "Decoded")


def test_a_name_whose_extra_is_missing_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "highspy", None)  # as if it were not installed
    with pytest.raises(MissingExtraError) as raised:
        gw2wvw.__getattr__("build_squad")
    assert raised.value.extra == "squad"
    assert raised.value.missing == ("highspy",)
    assert str(raised.value) == (
        "gw2wvw.build_squad needs highspy: install the extra with pip install 'gw2wvw[squad]'"
    )


def test_the_quick_start_names_work_together() -> None:
    build = gw2wvw.decode(CODE)
    assert isinstance(build, gw2wvw.Build)
    assert gw2wvw.validate(build).valid
    assert gw2wvw.encode(build) == CODE
    assert gw2wvw.describe(build).skill_names[41714] == "Mantra of Solace"
    assert gw2wvw.load_gamedata().specializations[62].name == "Firebrand"
