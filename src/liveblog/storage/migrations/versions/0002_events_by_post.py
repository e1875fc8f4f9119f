"""events by post: an index for restating a post's earlier events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every event about a post rewrites that post's earlier events in the same transaction
    # (the log never outlives a removal): find them without reading the blog's whole log.
    op.create_index("ix_events_blog_post", "events", ["blog_id", "post_id"])


def downgrade() -> None:
    op.drop_index("ix_events_blog_post", table_name="events")
