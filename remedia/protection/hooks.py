"""Sections of the victim file page, each owned by the part of the app that writes it.

The file page belongs to `views/files.py`; consent, referrals and the support
plan each add their section through a provider registered in
`ProtectionConfig.ready`. A provider gets the request, the file (already
access-checked) and the file's private key (None when the viewer's key is
locked) and returns a panel to render, or None. The page includes the panel's
template `with panel=panel` (its context is `panel.context`); a message said
with `extra_tags=core.placed.section_tag("<name>")` is shown inside the section by
`{% include "protection/said.html" with said=placed.<name> %}` instead of at
the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from remedia.core.hooks import Panel
from remedia.protection.models import VictimFile

FileSectionProvider = Callable[[HttpRequest, VictimFile, bytes | None], Panel | None]

_file_sections: list[FileSectionProvider] = []


def file_section_register(provider: FileSectionProvider) -> FileSectionProvider:
    if provider not in _file_sections:
        _file_sections.append(provider)
    return provider


def file_sections(
    request: HttpRequest, file: VictimFile, file_private: bytes | None
) -> list[Panel]:
    found = [
        s
        for provider in _file_sections
        if (s := provider(request, file, file_private)) is not None
    ]
    return sorted(found, key=lambda s: s.order)
