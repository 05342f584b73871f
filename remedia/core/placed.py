"""Messages placed where the user acted (issue 22.2's workspaces).

A form action's result is a message tagged with the section of the page it
came from (`in:<section>`); the page reads the pending messages back by
section (`messages_by_section`) and shows each beside its form with
`core/section_message.html`, and the action redirects to that place
(`page_url`: the tab that holds it, the fragment of the message). Messages
without a section stay in the page's general list at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, QueryDict

from remedia.core.errors import ApplicationError

SECTION_TAG = "in:"
KEPT_VALUES = "placed-values"


def section_tag(section: str) -> str:
    """The `extra_tags` of a message shown in `section` ("" shows it at the top)."""
    return f"{SECTION_TAG}{section}" if section else ""


def section_anchor(section: str) -> str:
    """The fragment a redirect lands on: the section's message, which
    `core/section_message.html` focuses on arrival (no JavaScript needed)."""
    return f"#{section}-result" if section else ""


def place(
    request: HttpRequest,
    act: Callable[[], str],
    *,
    section: str = "",
    refused_at: str = "",
) -> bool:
    """Run `act` (one service call, returning the success message) and keep its
    result for `section`: the success message, or the refusal's first reason
    (nothing changed), kept for `refused_at` when given (the form that was
    sent, where a success would make it go away). True when it succeeded."""
    try:
        text = act()
    except ApplicationError as exc:
        messages.error(
            request, exc.reasons[0], extra_tags=section_tag(refused_at or section)
        )
        return False
    messages.success(request, text, extra_tags=section_tag(section))
    return True


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


def page_url(
    url: str, *, tab: str = "", default_tab: str = "", section: str = ""
) -> str:
    """A workspace page's address on `tab` (left out when it is the default),
    landing on `section`'s result."""
    if tab and tab != default_tab:
        url += "?" + urlencode({"tab": tab})
    return url + section_anchor(section)


def tab_open(request: HttpRequest, tabs: list[tuple[Any, ...]], default: str) -> str:
    """The tab `?tab=` asks for if the page has it (each of `tabs` starts with
    its key), else `default`."""
    wanted = request.GET.get("tab") or default
    return wanted if wanted in {tab[0] for tab in tabs} else default


def keep_values(request: HttpRequest, section: str, form: forms.BaseForm) -> None:
    """Keep what a refused form held for the page the action redirects to, so
    the form comes back as it was sent, beside its refusal, not empty.

    Kept in the server-side session until the page next reads them
    (`kept_values`), and only the form's own fields. Only for forms of
    plain-column records (a petition's dates and decisions, a case's task):
    never a note, a message or anything else that is sealed, which must not
    sit in the session store as text.
    """
    names = [form.add_prefix(name) for name in form.fields]
    kept = dict(request.session.get(KEPT_VALUES, {}))
    kept[section] = {n: request.POST.getlist(n) for n in names if n in request.POST}
    request.session[KEPT_VALUES] = kept


def kept_values(request: HttpRequest) -> dict[str, QueryDict]:
    """The values `keep_values` kept, by section, once: the page that reads
    them takes them all, and what it does not show is dropped."""
    kept = request.session.pop(KEPT_VALUES, None) or {}
    out: dict[str, QueryDict] = {}
    for section, values in kept.items():
        data = QueryDict(mutable=True)
        for name, listed in values.items():
            data.setlist(name, listed)
        out[section] = data
    return out
