"""The ``gw2wvw`` console script: the command line, or one line naming the extra it needs."""

from __future__ import annotations

import sys

from gw2wvw._extras import MissingExtraError


def main() -> None:
    """Run the command line; without the ``cli`` extra, say how to install it and exit 2."""
    try:
        from gw2wvw.cli import main as run
    except MissingExtraError as exc:
        print(f"gw2wvw: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    run()
