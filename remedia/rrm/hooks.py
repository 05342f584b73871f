"""Where apps above `rrm` take part in a petition's page.

The petition page's "course of remediation" tab shows what remediation (which
`rrm` must not import) knows of the petition: each app registers a provider at
start-up (`petition_section_register`), which gets the request (for the
viewer's rights) and the petition (already access-checked) and returns a
panel to render, or None. Providers are asked only when that tab is open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest

from remedia.core.hooks import Panel

if TYPE_CHECKING:
    from remedia.rrm.models import RrmCase

PetitionSectionProvider = Callable[[HttpRequest, "RrmCase"], Panel | None]

_petition_sections: list[PetitionSectionProvider] = []


def petition_section_register(
    provider: PetitionSectionProvider,
) -> PetitionSectionProvider:
    if provider not in _petition_sections:
        _petition_sections.append(provider)
    return provider


def petition_sections(request: HttpRequest, case: RrmCase) -> list[Panel]:
    found = [s for p in _petition_sections if (s := p(request, case)) is not None]
    return sorted(found, key=lambda s: s.order)
