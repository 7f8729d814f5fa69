"""Run by ``nox -s wheels`` in a fresh environment holding only the core wheel.

It proves the wheel is self-contained: the bundled game data loads, a chat code decodes and
validates, and none of the server-side packages were needed (or installed).
"""

from __future__ import annotations

import importlib.util
import sys

import gw2wvw
from gw2wvw import gamedata
from gw2wvw.builds import Build, validate

# A WvW Firebrand, github:JinJieXiaoWang/gw2-wvw-log-analyzer frontend/src/data/builds.json@ef35021.
CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"


def main() -> None:
    """Fail loudly unless the installed core works on its own."""
    assert "site-packages" in (gw2wvw.__file__ or ""), f"imported from the tree: {gw2wvw.__file__}"
    for forbidden in ("fastapi", "starlette", "arq", "gw2wvw_api", "gw2wvw_worker"):
        assert importlib.util.find_spec(forbidden) is None, f"{forbidden} is installed"
    data = gamedata.load()
    build = Build.from_chat_code(CODE, data)
    report = validate(build, data)
    assert build.profession == "Guardian", build.profession
    assert report.valid, report
    assert build.to_chat_code(data) == CODE
    for module in ("fastapi", "starlette", "arq"):
        assert module not in sys.modules, f"{module} was imported"
    print(f"gw2wvw {gw2wvw.__version__} wheel OK: {len(data.skills)} skills, {build.profession}")


if __name__ == "__main__":
    main()
