"""Reading a page's HTML in view tests: one element by its id."""

from __future__ import annotations

from html.parser import HTMLParser

# Elements without an end tag: they open no level.
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input",
    "link", "meta", "source", "track", "wbr",
}  # fmt: skip


class _Finder(HTMLParser):
    def __init__(self, wanted: str) -> None:
        super().__init__(convert_charrefs=False)
        self.wanted = wanted
        self.depth = 0  # levels open inside the element; 0: not in it yet
        self.start: tuple[int, int] | None = None
        self.end: tuple[int, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.end is not None or tag in _VOID:
            if self.start is None and tag in _VOID and ("id", self.wanted) in attrs:
                self.start = self.end = self.getpos()
            return
        if self.depth:
            self.depth += 1
        elif ("id", self.wanted) in attrs:
            self.start = self.getpos()
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1
            if self.depth == 0:
                self.end = self.getpos()


def element(html: str, element_id: str) -> str:
    """The element with `element_id`, from its start tag to its end tag
    (AssertionError when the page has none)."""
    finder = _Finder(element_id)
    finder.feed(html)
    assert finder.start is not None, f'no id="{element_id}" on the page'
    assert finder.end is not None, f'id="{element_id}" is never closed'
    lines = html.splitlines(keepends=True)

    def offset(pos: tuple[int, int]) -> int:
        return sum(len(line) for line in lines[: pos[0] - 1]) + pos[1]

    start, end = offset(finder.start), offset(finder.end)
    close = html.find(">", end)
    return html[start : close + 1]
