"""Messages shown where the user acted, not at the top of the page.

A form action that redirects back to a workspace page (a case, a report) tags
its message with the section it belongs to (`section_tag`); the page sorts the
pending messages into those sections and the rest (`messages_by_section`), and
shows each section's beside its form through `core/section_message.html`,
which focuses it on arrival. The redirect lands on `#<section>-result`
(`section_anchor`), so it works the same without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

SECTION_TAG = "in:"


def section_tag(section: str) -> str:
    """The `extra_tags` of a message shown in `section` ("" shows it at the top)."""
    return f"{SECTION_TAG}{section}" if section else ""


def section_anchor(section: str) -> str:
    """The fragment a redirect lands on: the section's message."""
    return f"#{section}-result" if section else ""


def messages_by_section(
    request: HttpRequest,
) -> tuple[dict[str, list[Any]], list[Any]]:
    """The pending messages: those tagged with a section, by section; the rest."""
    placed: dict[str, list[Any]] = {}
    general: list[Any] = []
    for message in messages.get_messages(request):
        tags = (message.extra_tags or "").split()
        where = next(
            (t[len(SECTION_TAG) :] for t in tags if t.startswith(SECTION_TAG)), ""
        )
        if where:
            placed.setdefault(where, []).append(message)
        else:
            general.append(message)
    return placed, general
