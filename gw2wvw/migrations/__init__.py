"""Alembic migrations of the gw2wvw schema (SQLite and PostgreSQL)."""
