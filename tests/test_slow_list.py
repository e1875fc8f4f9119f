"""The list of slow tests in tests/conftest.py cannot go stale silently: a module or a test
it names that no longer exists stops the run, so `make test-fast` never runs a test that
was meant to be left out, or leaves one out by a name that means nothing."""

from __future__ import annotations

import pytest

from tests import conftest


def test_every_name_in_the_list_exists(pytestconfig: pytest.Config) -> None:
    conftest.pytest_collection_modifyitems(pytestconfig, [])


@pytest.mark.parametrize(
    "entry",
    [
        {"tests/test_no_such_module.py": None},
        {"tests/test_cli.py": {"test_no_such_test"}},
    ],
)
def test_a_stale_name_stops_the_run(
    monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config, entry: dict[str, set[str] | None]
) -> None:
    monkeypatch.setattr(conftest, "SLOW", entry)
    with pytest.raises(pytest.UsageError, match="SLOW names"):
        conftest.pytest_collection_modifyitems(pytestconfig, [])
