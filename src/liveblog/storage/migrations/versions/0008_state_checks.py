"""states and roles: the database refuses a status, role or verification it does not know

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

The allowed values come from liveblog.states, as in storage/tables.py. A later migration
that adds a value there drops and recreates the constraint it changes.
"""

from collections.abc import Sequence
from enum import StrEnum

from alembic import op

from liveblog.states import BlogRole, BlogStatus, PostStatus, SiteRole, Verification
from liveblog.storage.tables import one_of

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS: dict[str, list[tuple[str, type[StrEnum]]]] = {
    "users": [("role", SiteRole)],
    "blogs": [("status", BlogStatus)],
    "memberships": [("role", BlogRole)],
    "posts": [
        ("status", PostStatus),
        ("status_before_delete", PostStatus),
        ("verification", Verification),
    ],
}


def upgrade() -> None:
    # On SQLite each table is rebuilt (env.py turns foreign keys off meanwhile), and rows
    # holding an unknown value stop the migration rather than being dropped.
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, values in checks:
                batch.create_check_constraint(f"ck_{table}_{column}", one_of(column, values))


def downgrade() -> None:
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch:
            for column, _values in reversed(checks):
                batch.drop_constraint(f"ck_{table}_{column}", type_="check")
