"""photos in several widths and formats, and a blog's media library

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        # The widths made at upload, as "360,720,1080": empty for a file stored before.
        batch.add_column(
            sa.Column("variants", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("caption", sa.String(length=2000), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("credit", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("alt", sa.String(length=2000), nullable=True))
        batch.add_column(
            sa.Column(
                "uploaded_by",
                sa.Integer(),
                sa.ForeignKey("users.id", name="fk_media_uploaded_by_users", ondelete="SET NULL"),
                nullable=True,
            )
        )
        batch.create_index("ix_media_blog_id_created_at", ["blog_id", "created_at"])
        batch.create_index("ix_media_uploaded_by_created_at", ["uploaded_by", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.drop_index("ix_media_uploaded_by_created_at")
        batch.drop_index("ix_media_blog_id_created_at")
        batch.drop_column("uploaded_by")
        batch.drop_column("alt")
        batch.drop_column("credit")
        batch.drop_column("caption")
        batch.drop_column("variants")
