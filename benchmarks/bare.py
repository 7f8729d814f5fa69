"""The baseline of the HTTP benchmark: a bare FastAPI app that answers a small JSON object.

``uvicorn benchmarks.bare:app`` serves it with the same server and options as the product, so
the ratio of a product route to it is what the product adds to every request and route.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> dict[str, str]:
    """A small JSON object."""
    return {"status": "ok"}
