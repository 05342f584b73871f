"""What the browser tests record of a page (the `new_page` fixture fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageLog:
    """What one page asked the network for and what its console said."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        in_page = self.page.evaluate("window.__cspViolations || []")
        logged = [m for m in self.console if "Content Security Policy" in m]
        return logged + list(in_page)
