"""Routes of the API: tools."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tools"])
