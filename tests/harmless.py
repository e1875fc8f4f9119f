"""A check that HTML holds nothing a browser would run: parsed as a browser would, not grepped."""

from __future__ import annotations

from html.parser import HTMLParser

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "svg",
    "math",
    "style",
    "object",
    "embed",
    "frame",
    "frameset",
    "applet",
    "base",
    "form",
    "meta",
    "link",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}


class _Collector(HTMLParser):
    def __init__(self, allow: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.allow = allow

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS and tag not in self.allow:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style":
                self.problems.append(f"{tag}[style]")
            if name in URL_ATTRIBUTES and value:
                scheme = "".join(value.split()).lower().split(":", 1)[0]
                if ":" in value and scheme in ("javascript", "data", "vbscript"):
                    self.problems.append(f"{tag}[{name}={value}]")


def executable_parts(html: str, allow: frozenset[str] = frozenset()) -> list[str]:
    """Forbidden elements, event attributes, inline styles and script URLs found in html."""
    collector = _Collector(allow)
    collector.feed(html)
    collector.close()
    return collector.problems


def assert_harmless(html: str) -> None:
    problems = executable_parts(html)
    assert not problems, f"executable markup {problems} in {html[:400]}"
