"""Parsing core of `liveblog import-text`: a live blog flattened to text
("select all, copy" of the page) turned back into liveblog-exchange/1 data."""

from .parser import parse_text
from .render import render_text
from .result import ParseResult

__all__ = ["ParseResult", "parse_text", "render_text"]
