"""The public face of ``gw2wvw.fights``: every name resolves, lazily, with a summary line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import gw2wvw.fights
from tests.support.live_server import REPO


def test_every_name_resolves_and_is_documented() -> None:
    assert gw2wvw.fights.__all__ == sorted(set(gw2wvw.fights.__all__))
    for name in gw2wvw.fights.__all__:
        if name == "DEFAULT_MAX_BYTES":  # a constant, documented in reading.py
            continue
        value = getattr(gw2wvw.fights, name)
        documented = value if callable(value) else type(value)
        summary = (documented.__doc__ or "").strip().splitlines()
        assert summary, name
        assert summary[0].endswith("."), name
    assert set(gw2wvw.fights.__all__) <= set(dir(gw2wvw.fights))
    with pytest.raises(AttributeError, match="has no attribute 'reports'"):
        gw2wvw.fights.reports  # noqa: B018


def test_importing_the_package_loads_the_decoder_only() -> None:
    script = (
        "import sys, gw2wvw.fights\n"
        "print('gw2wvw.fights.report' in sys.modules, 'gw2wvw.squad.evaluation' in sys.modules)\n"
        "gw2wvw.fights.review\n"
        "print('gw2wvw.fights.review' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.split() == ["False", "False", "True"]
