"""The web layer writes no SQL: it reads through ``storage/queries.py`` and writes through
actions. A module under ``liveblog/web`` that imports SQLAlchemy fails here, unless it is
listed below with the reason it cannot do without."""

from __future__ import annotations

import ast
from pathlib import Path

import liveblog.web

WEB = Path(liveblog.web.__file__).parent

# module (relative to liveblog/web) -> why it may import SQLAlchemy. Empty today.
ALLOWED: dict[str, str] = {}

# What a module could build SQL with, even when reached other than through "sqlalchemy".
SQL_NAMES = {"select", "insert", "update", "delete", "text", "func"}


def _sql_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy":
                found.append(node.module)
            else:
                found += [
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if a.name in SQL_NAMES and node.module.startswith("liveblog.storage")
                ]
    return found


def test_the_web_layer_imports_no_sql() -> None:
    modules = sorted(WEB.rglob("*.py"))
    assert len(modules) > 5  # the walk found the package
    offenders = {
        str(path.relative_to(WEB)): names
        for path in modules
        if (names := _sql_imports(path)) and str(path.relative_to(WEB)) not in ALLOWED
    }
    assert offenders == {}, "read through storage/queries.py, write through actions"


def test_every_exception_is_still_needed() -> None:
    for name in ALLOWED:
        assert _sql_imports(WEB / name), f"{name} no longer imports SQLAlchemy: unlist it"


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    module = tmp_path / "sneaky.py"
    module.write_text(
        "from sqlalchemy.orm import Session\nimport sqlalchemy as sa\n"
        "from liveblog.storage.tables import select\n"
    )
    assert _sql_imports(module) == [
        "sqlalchemy.orm",
        "sqlalchemy",
        "liveblog.storage.tables.select",
    ]
