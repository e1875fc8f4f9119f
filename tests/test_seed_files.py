"""Files from ../shared/fixtures are like the services: a skip on a laptop without them,
a failure in CI, so that CI cannot pass by skipping the tests that read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_a_missing_seed_file_skips_outside_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match=r"seed-page\.txt is absent"):
        conftest.seed_file("seed-page.txt")


def test_a_missing_seed_file_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI requires it"):
        conftest.seed_file("seed-page.txt")


def test_a_present_seed_file_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "seed-page.txt").write_text("Harbour live\n", encoding="utf-8")
    monkeypatch.setattr(conftest, "SHARED", tmp_path)
    monkeypatch.setattr(conftest, "IN_CI", True)
    assert conftest.seed_file("seed-page.txt") == tmp_path / "seed-page.txt"
