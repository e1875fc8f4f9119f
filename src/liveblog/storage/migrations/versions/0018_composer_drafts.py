"""composer drafts kept on the server, per person, blog and post

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "composer_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("blog_id", sa.Integer(), nullable=False),
        sa.Column("post_key", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("device", sa.String(length=40), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["blog_id"], ["blogs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "blog_id", "post_key", name="uq_composer_drafts_owner"),
    )
    op.create_index("ix_composer_drafts_saved_at", "composer_drafts", ["saved_at"])
    op.create_index("ix_composer_drafts_blog_id", "composer_drafts", ["blog_id"])


def downgrade() -> None:
    op.drop_index("ix_composer_drafts_blog_id", table_name="composer_drafts")
    op.drop_index("ix_composer_drafts_saved_at", table_name="composer_drafts")
    op.drop_table("composer_drafts")
