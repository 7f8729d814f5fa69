"""Routes of the API: compositions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["compositions"])
