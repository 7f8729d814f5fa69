"""token scopes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Tokens get the scopes they were issued with (``read``, ``write``, ``account``, space-separated).
Tokens that exist already keep what they could do before: every scope.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scopes",
                sa.String(length=100),
                server_default="read write account",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
