"""a blog's own list of the sites that may frame its embed pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(sa.Column("frame_ancestors", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.drop_column("frame_ancestors")
