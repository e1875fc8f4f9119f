"""Turns post elements into safe HTML once, and builds JSON-LD and plain labels."""

from liveblog.render.body import post_label, post_text, render_body
from liveblog.render.markdown import render_markdown

__all__ = ["post_label", "post_text", "render_body", "render_markdown"]
