"""fights

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

Uploaded fight logs: owner, visibility, parsing status, the report once parsed and the
gzip-compressed original.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "fights",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("map", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("original", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('private', 'unlisted', 'public')",
            name=op.f("ck_fights_visibility"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'ready', 'failed')", name=op.f("ck_fights_status")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_fights_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fights")),
    )
    with op.batch_alter_table("fights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fights_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_fights_map"), ["map"], unique=False)
        batch_op.create_index(batch_op.f("ix_fights_started_at"), ["started_at"], unique=False)
        batch_op.create_index(
            "ix_fights_owner_created", ["owner_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_fights_visibility_created", ["visibility", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("fights", schema=None) as batch_op:
        batch_op.drop_index("ix_fights_visibility_created")
        batch_op.drop_index("ix_fights_owner_created")
        batch_op.drop_index(batch_op.f("ix_fights_started_at"))
        batch_op.drop_index(batch_op.f("ix_fights_map"))
        batch_op.drop_index(batch_op.f("ix_fights_status"))
    op.drop_table("fights")
