"""webhook kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Webhook endpoints get a kind: ``standard`` (Standard Webhooks, signed JSON events) or
``discord`` (Discord messages to a Discord webhook URL). Endpoints that exist already are
standard, as they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="standard", nullable=False)
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("kind")
