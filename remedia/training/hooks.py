"""What apps above ``training`` plug into it, registered in their AppConfig.ready.

``training`` sits below ``remediation`` (and later ``coordination``) and
imports neither. Two things it needs from them come in through this module:

- **Who reads and keeps a facility's roster.** The rule follows the courses of
  remediation at that facility (a reader of a course there reads the roster;
  its managers and the company party's compliance officer keep it). The app
  that knows the rule registers a ``FacilityRosterAccess``; with none
  registered, no facility roster is readable (an organisation's roster needs
  no hook: its own staff read it).
- **What the training home page shows besides rosters** (``home_sections``).
- **What a session counts for.** A session held for a course's training
  measure counts for that measure; the link is the higher app's table. A
  ``SessionLink`` checks the values a form or the API gives (``course_id``,
  ``measure_id`` ...), saves them in the same transaction as the session,
  describes them for pages and the API, and narrows a list of sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from remedia.facilities.models import Facility
    from remedia.training.access import Roster
    from remedia.training.models import TrainingSession


class FacilityRosterAccess(Protocol):
    def readable(self, *, user: Any) -> QuerySet[Any]:
        """The primary keys of the facilities whose roster the user reads."""
        ...

    def recorder(self, *, user: Any, facility: Facility) -> uuid.UUID | None:
        """The organisation under which the user keeps this facility's roster
        (a session they record is recorded under it); None: read only."""
        ...


class SessionLink(Protocol):
    # The names this link reads from a form or a payload (e.g. "course_id").
    fields: tuple[str, ...]

    def resolve(
        self, *, user: Any, roster: Roster, topic: str, values: Mapping[str, Any]
    ) -> tuple[Any, list[dict[str, Any]]]:
        """What ``values`` name, checked for this roster and topic, and the
        errors (``{"field", "reason"}``) if they do not fit."""
        ...

    def attach(self, *, session: TrainingSession, resolved: Any) -> None:
        """Save the link of a new session (inside its transaction)."""
        ...

    def describe(self, sessions: Sequence[TrainingSession]) -> dict[uuid.UUID, Any]:
        """Per session: a mapping with the link's ids (for the API) and a
        ``label`` (for pages); sessions without a link are left out."""
        ...

    def narrow(
        self, *, user: Any, sessions: QuerySet[Any], values: Mapping[str, Any]
    ) -> QuerySet[Any]:
        """The sessions linked to what ``values`` name (a list's filter)."""
        ...

    def choices(
        self, *, user: Any, roster: Roster
    ) -> list[tuple[str, str, str | None]]:
        """What a new session of this roster may count for, for a form's
        select: (value, label, the topic it asks for). The value is given
        back as ``measure_id``, or under the link's ``choice_field`` when it
        has one (``plan_choice`` for coordination's plan)."""
        ...


_facility_access: list[FacilityRosterAccess] = []
_session_links: list[SessionLink] = []


def facility_roster_access_register(
    provider: FacilityRosterAccess,
) -> FacilityRosterAccess:
    if provider not in _facility_access:
        _facility_access.append(provider)
    return provider


def facility_roster_access() -> tuple[FacilityRosterAccess, ...]:
    return tuple(_facility_access)


def session_link_register(link: SessionLink) -> SessionLink:
    if link not in _session_links:
        _session_links.append(link)
    return link


def session_links() -> tuple[SessionLink, ...]:
    return tuple(_session_links)


# Sections a higher app adds to the training home page (remediation: its
# sanctions proceedings): a function of the request giving HTML, or "".
HomeSection = Callable[["HttpRequest"], str]
_home_sections: list[HomeSection] = []


def home_section_register(show: HomeSection) -> HomeSection:
    if show not in _home_sections:
        _home_sections.append(show)
    return show


def home_sections() -> tuple[HomeSection, ...]:
    return tuple(_home_sections)
