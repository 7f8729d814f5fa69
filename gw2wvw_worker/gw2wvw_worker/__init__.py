"""gw2wvw-worker: delivers gw2wvw webhook events with arq.

Run ``gw2wvw worker`` (or ``arq gw2wvw_worker.WorkerSettings``) with ``GW2WVW_DATABASE_URL`` and
``GW2WVW_REDIS_URL`` set; any number of workers may run side by side.

``WorkerSettings`` is built from the environment when first looked up, not at import.
"""

from typing import Any

from gw2wvw import __version__
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


def __getattr__(name: str) -> Any:
    """``WorkerSettings``: arq's settings class, from ``GW2WVW_*`` variables read right now."""
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_settings())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
