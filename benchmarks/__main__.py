"""Run benchmark groups: ``uv run python -m benchmarks [core ...]`` (all groups by default)."""

from __future__ import annotations

import importlib
import sys

GROUPS = ["core", "squad", "fights", "store", "startup", "api", "webhooks"]


def main(argv: list[str]) -> None:
    """Run the named groups, or all of them."""
    for name in argv or GROUPS:
        if name not in GROUPS:
            raise SystemExit(f"unknown benchmark group {name!r}; choose from {', '.join(GROUPS)}")
        print(f"== {name} ==")
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
