"""What the deploy tests share: one migrated database with an editor and a token, made with
the CLI once per session; each test copies it into a throwaway database of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.cluster import Template, template_database


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    with template_database(tmp_path_factory.mktemp("deploy-template")) as made:
        yield made
