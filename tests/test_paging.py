"""Page arithmetic: every item is on exactly one page, and the pages cover the list."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liveblog.paging import LAST_PAGE, page_count, page_holding, page_offset

totals = st.integers(min_value=0, max_value=10_000)
sizes = st.integers(min_value=1, max_value=200)


def test_examples() -> None:
    assert page_count(0, 20) == 1  # an empty blog still has its page
    assert page_count(20, 20) == 1
    assert page_count(21, 20) == 2
    assert page_offset(1, 20) == 0
    assert page_offset(3, 20) == 40
    assert page_holding(0, 20) == 1
    assert page_holding(19, 20) == 1
    assert page_holding(20, 20) == 2
    assert LAST_PAGE == 100_000


@given(totals, sizes)
def test_pages_hold_every_item_once(total: int, per_page: int) -> None:
    pages = page_count(total, per_page)
    shown = [
        range(page_offset(n, per_page), min(total, page_offset(n, per_page) + per_page))
        for n in range(1, pages + 1)
    ]
    assert [i for page in shown for i in page] == list(range(total))
    # only the last page may be short, and only an empty list has an empty page
    assert all(len(page) == per_page for page in shown[:-1])
    assert (len(shown[-1]) == 0) == (total == 0)


@given(totals, sizes, st.data())
def test_the_page_holding_an_item_shows_it(total: int, per_page: int, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=max(0, total - 1)))
    page = page_holding(position, per_page)
    start = page_offset(page, per_page)
    assert start <= position < start + per_page
    assert 1 <= page <= page_count(max(total, position + 1), per_page)
