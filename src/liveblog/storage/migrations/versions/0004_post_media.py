"""post media: which files each post shows, so that a file is public only while a
published post shows it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

posts = sa.table("posts", sa.column("id", sa.Integer()), sa.column("elements", sa.JSON()))
post_media = sa.table(
    "post_media", sa.column("post_id", sa.Integer()), sa.column("filename", sa.String())
)


def upgrade() -> None:
    op.create_table(
        "post_media",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "filename"),
    )
    op.create_index("ix_post_media_filename", "post_media", ["filename"], unique=False)
    # The photos posts show already, so that none of them disappears with the upgrade.
    connection = op.get_bind()
    last = 0
    while True:
        batch = connection.execute(
            sa.select(posts.c.id, posts.c.elements)
            .where(posts.c.id > last)
            .order_by(posts.c.id)
            .limit(500)
        ).all()
        if not batch:
            break
        links = [
            {"post_id": post_id, "filename": name}
            for post_id, elements in batch
            for name in sorted(
                {
                    element["file"]
                    for element in elements or []
                    if element.get("type") == "image" and element.get("file")
                }
            )
        ]
        if links:
            connection.execute(post_media.insert(), links)
        last = batch[-1][0]


def downgrade() -> None:
    op.drop_index("ix_post_media_filename", table_name="post_media")
    op.drop_table("post_media")
