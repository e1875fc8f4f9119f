"""The importer's corpus (tests/fixtures/corpus) stays consistent: every page has its
expected structure, and every line of every page is accounted for exactly once there."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
PAGES = sorted(p.stem for p in CORPUS.glob("*.txt"))


def test_the_corpus_has_its_twenty_pages() -> None:
    assert len(PAGES) >= 20
    assert all((CORPUS / f"{name}.expected.json").exists() for name in PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_every_line_is_accounted_for(name: str) -> None:
    check = runpy.run_path(str(CORPUS / "check_expected.py"))["check"]
    assert check(name) == []
