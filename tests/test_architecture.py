"""docs/architecture.md names the code as it is: every package and every top-level module is
in its tree, and every module the tree names exists where it says."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "liveblog"
DOC = ROOT / "docs" / "architecture.md"
# An entry of the tree: a folder (`web/`) or a module (`app.py`), indented under its folder.
ENTRY = re.compile(r"^( *)([A-Za-z_]\w*(?:/|\.py))(?:\s|$)")
# A module named in an entry's words: `hub.py`, or `__init__.py`.
MENTION = re.compile(r"(?<![\w/.])(\w+\.py(?:\.mako)?)(?![\w.]*\w)")


def tree() -> list[tuple[Path, list[str]]]:
    """Each path the tree at the top of the page names, with the modules its words name."""
    block = DOC.read_text().split("```")[1]
    lines = block.strip("\n").splitlines()
    assert lines[0] == "src/liveblog/", "the tree starts at src/liveblog/"
    folders: list[tuple[int, Path]] = [(-1, PACKAGE)]
    entries: list[tuple[Path, list[str]]] = []
    for line in lines[1:]:
        found = ENTRY.match(line)
        if found is None:  # the words of the entry above, carried on
            assert entries, line
            entries[-1][1].extend(MENTION.findall(line))
            continue
        indent, name = len(found.group(1)), found.group(2)
        while folders[-1][0] >= indent:
            folders.pop()
        path = folders[-1][1] / name.rstrip("/")
        entries.append((path, MENTION.findall(line[found.end() :])))
        if name.endswith("/"):
            folders.append((indent, path))
    return entries


def test_the_tree_is_read() -> None:
    named = {path for path, _ in tree()}
    assert PACKAGE / "web" / "desk" in named
    assert PACKAGE / "app.py" in named


def test_every_named_module_exists() -> None:
    missing = [str(path.relative_to(PACKAGE)) for path, _ in tree() if not path.exists()]
    for path, mentioned in tree():
        if path.is_dir():
            missing += [f"{path.relative_to(PACKAGE)}/{m}" for m in mentioned]
            missing = [m for m in missing if not (PACKAGE / m).exists()]
    assert missing == []


def test_every_package_and_top_level_module_is_named() -> None:
    named = {path for path, _ in tree()}
    packages = {init.parent for init in PACKAGE.rglob("__init__.py")} - {PACKAGE}
    modules = {p for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}}
    unnamed = sorted(str(p.relative_to(PACKAGE)) for p in (packages | modules) - named)
    assert unnamed == []
