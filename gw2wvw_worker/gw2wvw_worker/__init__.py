"""gw2wvw-worker: delivers gw2wvw webhook events with arq.

Run ``gw2wvw worker`` (or ``arq gw2wvw_worker.WorkerSettings``) with ``GW2WVW_DATABASE_URL`` and
``GW2WVW_REDIS_URL`` set; any number of workers may run side by side.

``WorkerSettings`` is built from the environment when first looked up, not at import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from gw2wvw._version import __version__

if TYPE_CHECKING:
    from gw2wvw_worker.config import QUEUE, WorkerConfig, worker_settings
    from gw2wvw_worker.jobs import deliver, enqueue, relay_once, shutdown, startup, sweep
    from gw2wvw_worker.runner import check, run

__all__ = [
    "QUEUE",
    "WorkerConfig",
    "WorkerSettings",
    "__version__",
    "check",
    "deliver",
    "enqueue",
    "relay_once",
    "run",
    "shutdown",
    "startup",
    "sweep",
    "worker_settings",
]

# Where each name lives: arq and the store are imported when a name is first used, not by every
# ``gw2wvw`` command that loads this package's CLI plugin.
_HOMES = {
    "QUEUE": "config",
    "WorkerConfig": "config",
    "worker_settings": "config",
    "deliver": "jobs",
    "enqueue": "jobs",
    "relay_once": "jobs",
    "shutdown": "jobs",
    "startup": "jobs",
    "sweep": "jobs",
    "check": "runner",
    "run": "runner",
}


def __getattr__(name: str) -> Any:
    """The public names, imported on first use; ``WorkerSettings`` is arq's settings class,
    from ``GW2WVW_*`` variables read right now."""
    if name == "WorkerSettings":
        return type("WorkerSettings", (), import_module(f"{__name__}.config").worker_settings())
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
