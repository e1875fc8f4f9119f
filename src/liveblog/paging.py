"""Page arithmetic, once: how many pages a list has, where a page starts, which page holds
an item. Pages are numbered from 1, and an empty list still has its one (empty) page."""

from __future__ import annotations

LAST_PAGE = 100_000
"""The highest page number anyone may ask for (the reader page, the API, the desk, the
audit log): beyond it the offset would only make the database count in vain."""


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill, at least one."""
    return max(1, -(-total // per_page))


def page_offset(page: int, per_page: int) -> int:
    """How many items come before the first one of ``page``."""
    return (page - 1) * per_page


def page_holding(position: int, per_page: int) -> int:
    """The page that shows the item with ``position`` items before it."""
    return position // per_page + 1
