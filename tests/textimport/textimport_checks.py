"""Shared checks for the text-import tests (not a test module itself)."""

from __future__ import annotations

import re

from liveblog.textimport import ParseResult


def assert_every_line_accounted(text: str, result: ParseResult) -> None:
    """Every non-blank line is in exactly one post, the discard list or the page header."""
    lines = re.split(r"\r\n|\r|\n", text)
    non_blank = {i + 1 for i, line in enumerate(lines) if line.strip()}
    owners: dict[int, list[str]] = {}
    for index, post_lines in enumerate(result.post_lines):
        for number in post_lines:
            owners.setdefault(number, []).append(f"post {index}")
    for number, line_text, reason in result.discarded:
        assert reason, f"line {number} discarded without a reason"
        assert line_text == lines[number - 1]
        owners.setdefault(number, []).append("discarded")
    for number in result.header_lines:
        owners.setdefault(number, []).append("header")
    for number in sorted(non_blank):
        assert len(owners.get(number, [])) == 1, (number, lines[number - 1], owners.get(number))
    assert set(owners) == non_blank, sorted(set(owners) ^ non_blank)
    assert len(result.post_lines) == len(result.blog["posts"])
