"""notes mark: a per-blog counter of changes to its team notes, so a desk's "have the notes
changed?" never sees an old value come back (SQLite reuses a deleted newest note's id)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(sa.Column("notes_mark", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.drop_column("notes_mark")
