"""rerender embeds: posts with an embed element get the click-to-load card

Posts stored before the click-to-load cards kept their old embed HTML (a ``post-embed``
paragraph the reader's CSS no longer styles, with no button). Their body, label and text
are rendered again, with the code's own render functions, as an edit would.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from liveblog.render import post_label, post_text, render_body

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

posts = sa.table(
    "posts",
    sa.column("id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("elements", sa.JSON()),
    sa.column("body_html", sa.Text()),
    sa.column("body_text", sa.Text()),
    sa.column("label", sa.String()),
)


def upgrade() -> None:
    conn = op.get_bind()
    # Only posts that can hold an embed are read whole; the filter is on the JSON's text.
    rows = conn.execute(
        sa.select(posts.c.id, posts.c.title, posts.c.elements).where(
            sa.cast(posts.c.elements, sa.Text()).like('%"embed"%')
        )
    ).all()
    for post_id, title, elements in rows:
        if not any(isinstance(e, dict) and e.get("type") == "embed" for e in elements or []):
            continue
        conn.execute(
            posts.update()
            .where(posts.c.id == post_id)
            .values(
                body_html=render_body(elements),
                label=post_label(title, elements),
                body_text=post_text(elements),
            )
        )


def downgrade() -> None:
    pass  # the old HTML is not kept: the new cards read the same without their script
