"""gw2 keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Users may attach an official GW2 API key: one row per user, the key encrypted with Fernet
(the key from ``GW2WVW_ENCRYPTION_KEY``), and what ``/v2/tokeninfo`` and ``/v2/account`` said.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "gw2_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("permissions", sa.String(length=300), nullable=False),
        sa.Column("account_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_gw2_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gw2_keys")),
        sa.UniqueConstraint("user_id", name=op.f("uq_gw2_keys_user_id")),
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_table("gw2_keys")
