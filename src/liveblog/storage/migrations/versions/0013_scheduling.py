"""scheduling: a post can be scheduled, and a blog's start and end

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Posts gain the status "scheduled" (the CHECK constraints on status and
status_before_delete are dropped and made again from liveblog.states, as 0008 made them)
and ``scheduled_at``; blogs gain ``starts_at`` and ``ends_at``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from liveblog.states import PostStatus
from liveblog.storage.tables import one_of

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKED = ("status", "status_before_delete")
# The statuses before this migration, for the downgrade.
BEFORE = ("draft", "submitted", "published", "deleted")


def _before(column: str) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in BEFORE)})"


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        for column in CHECKED:
            batch.drop_constraint(f"ck_posts_{column}", type_="check")
            batch.create_check_constraint(f"ck_posts_{column}", one_of(column, PostStatus))
        batch.add_column(sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_posts_scheduled", ["status", "scheduled_at"])
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.drop_column("ends_at")
        batch.drop_column("starts_at")
    # A scheduled post goes back to draft: the old constraint knows no "scheduled".
    op.execute("UPDATE posts SET status = 'draft' WHERE status = 'scheduled'")
    op.execute(
        "UPDATE posts SET status_before_delete = 'draft' WHERE status_before_delete = 'scheduled'"
    )
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_scheduled")
        batch.drop_column("scheduled_at")
        for column in CHECKED:
            batch.drop_constraint(f"ck_posts_{column}", type_="check")
            batch.create_check_constraint(f"ck_posts_{column}", _before(column))
