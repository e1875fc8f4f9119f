"""dispatch cursors: how far the work that follows each blog's log has taken it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Blogs that exist already start at their last seq: webhooks and notifications begin with
what happens after the upgrade, not with a blog's whole past.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_cursors",
        sa.Column("blog_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["blog_id"], ["blogs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("blog_id"),
    )
    op.execute(
        "INSERT INTO dispatch_cursors (blog_id, seq, at) "
        "SELECT id, last_seq, CURRENT_TIMESTAMP FROM blogs"
    )


def downgrade() -> None:
    op.drop_table("dispatch_cursors")
