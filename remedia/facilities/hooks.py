"""Sections that apps above `facilities` add to the facility page.

The page belongs to `facilities`, but what is linked to a facility (reports,
cases, petitions, courses of remediation, training) belongs to later apps,
which `facilities` must not import. Each registers a provider at start-up (in
its AppConfig.ready); the page asks every provider for its section for the
current user and this facility, and shows them in the order of `SECTIONS`.

A provider returns None when the viewer may see nothing of its kind (a
facility's compliance officer gets no cases section: even an empty one would
say that cases exist elsewhere); it scopes what it shows to the viewer's
organisations, as its own list pages do. A key no provider fills is left out.
Today: reports (intake), cases (cases), petitions (rrm), remediation
(remediation); training registers its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from remedia.facilities.models import Facility

# The sections the page reserves, in page order. A provider fills one of them.
SECTION_REPORTS = "reports"
SECTION_CASES = "cases"
SECTION_PETITIONS = "petitions"
SECTION_REMEDIATION = "remediation"
SECTION_TRAINING = "training"
SECTIONS = (
    SECTION_REPORTS,
    SECTION_CASES,
    SECTION_PETITIONS,
    SECTION_REMEDIATION,
    SECTION_TRAINING,
)


@dataclass(frozen=True)
class FacilitySection:
    """One app's part of the facility page: which section, a template, its context."""

    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[HttpRequest, Facility], FacilitySection | None]

_providers: list[SectionProvider] = []


def facility_section_register(provider: SectionProvider) -> SectionProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def facility_sections(
    request: HttpRequest, facility: Facility
) -> dict[str, FacilitySection]:
    """The sections the current user gets for `facility`, by key."""
    found: dict[str, FacilitySection] = {}
    for provider in _providers:
        section = provider(request, facility)
        if section is not None:
            found.setdefault(section.key, section)
    return found
