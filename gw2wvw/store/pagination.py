"""Keyset (cursor) pagination: stable pages while rows are added, on any sort key."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from gw2wvw.store.errors import ErrorDetail, ValidationFailed
from gw2wvw.text import unstorable


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed([ErrorDetail("/cursor", "invalid_cursor", message)])


def encode_cursor(sort: str, value: Any, ident: uuid.UUID) -> str:
    """An opaque cursor that resumes a listing after the row with (``value``, ``ident``)."""
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([sort, shown, str(ident)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, is_time: bool) -> tuple[Any, uuid.UUID]:
    """The (value, id) a cursor resumes after; raises ValidationFailed for a foreign cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, value, ident = json.loads(raw)
        parsed = datetime.fromisoformat(value) if is_time else value
        key = uuid.UUID(ident)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise _fail("the cursor is not one this listing gave out") from error
    if made_for != sort:
        raise _fail(f"the cursor belongs to a listing sorted by {made_for!r}, not {sort!r}")
    if isinstance(parsed, datetime) and parsed.tzinfo is None:
        raise _fail("the cursor is not one this listing gave out")
    if not isinstance(parsed, datetime | str) or (
        isinstance(parsed, str) and unstorable(parsed) is not None
    ):
        raise _fail("the cursor is not one this listing gave out")
    return parsed, key


def keyset(
    sort: str,
    columns: dict[str, InstrumentedAttribute[Any]],
    ident: InstrumentedAttribute[Any],
    cursor: str | None,
) -> tuple[Sequence[ColumnElement[Any]], ColumnElement[bool] | None]:
    """ORDER BY clauses for ``sort`` (``name`` or ``-name``) and the WHERE clause after ``cursor``.

    Ties on the sort column are broken by the id, so every row has one place in the order.
    """
    descending = sort.startswith("-")
    column = columns[sort.lstrip("-")]
    order = (column.desc(), ident.desc()) if descending else (column.asc(), ident.asc())
    if cursor is None:
        return order, None
    value, key = decode_cursor(cursor, sort, is_time=sort.lstrip("-") != "name")
    if descending:
        after = or_(column < value, and_(column == value, ident < key))
    else:
        after = or_(column > value, and_(column == value, ident > key))
    return order, after
