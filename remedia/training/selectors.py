"""Reads of rosters, sessions, attendance and coverage, scoped to the user.

Every read goes through ``access.py``: a roster, person or session the user
may not read answers ``NotFound`` exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from remedia.accounts.models import Organisation
from remedia.accounts.selectors import get_scoped
from remedia.facilities.models import Facility
from remedia.training import hooks
from remedia.training.access import (
    Roster,
    organisation_readers,
    roster_of,
    training_facilities,
)
from remedia.training.coverage import (
    FACILITY_ROLES,
    ROLE_ORDER,
    Coverage,
    coverage_count,
)
from remedia.training.models import Attendance, Person, TrainingSession, TrainingTopic


def roster_people(*, roster: Roster, include_inactive: bool = True) -> QuerySet[Person]:
    people = roster.people()
    if not include_inactive:
        people = people.filter(active=True)
    return people.order_by("-active", "name", "identifier")


def person_get(*, user: Any, person_id: Any) -> tuple[Person, Roster]:
    """One person of a roster the user may read, with that roster."""
    facilities = training_facilities(user=user).values("pk")
    organisations = organisation_readers(user)
    person = get_scoped(
        Person.objects.filter(
            Q(facility__in=facilities) | Q(organisation__in=organisations)
        ).select_related("facility", "organisation"),
        pk=person_id,
    )
    return person, roster_of(
        user=user, facility=person.facility, organisation=person.organisation
    )


def training_sessions_visible(*, user: Any) -> QuerySet[TrainingSession]:
    facilities = training_facilities(user=user).values("pk")
    organisations = organisation_readers(user)
    return TrainingSession.objects.filter(
        Q(facility__in=facilities) | Q(audience_organisation__in=organisations)
    )


def training_session_list(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    topic: str | None = None,
    links: Mapping[str, Any] | None = None,
) -> QuerySet[TrainingSession]:
    """Sessions the user may read, newest first, with their attendance counted.

    ``links``: what a higher app's ``SessionLink`` narrows by (``course_id``).
    """
    sessions = training_sessions_visible(user=user)
    if facility is not None:
        sessions = sessions.filter(facility=facility)
    if organisation is not None:
        sessions = sessions.filter(audience_organisation=organisation)
    if topic:
        sessions = sessions.filter(topic=topic)
    for link in hooks.session_links():
        if links and any(links.get(name) for name in link.fields):
            sessions = link.narrow(user=user, sessions=sessions, values=links)
    return (
        sessions.select_related("facility", "audience_organisation", "organisation")
        .annotate(attendance_count=Count("attendance"))
        .order_by("-held_on", "-starts_at", "-created_at")
    )


def training_session_get(*, user: Any, session_id: Any) -> TrainingSession:
    return get_scoped(
        training_sessions_visible(user=user).select_related(
            "facility", "audience_organisation", "organisation"
        ),
        pk=session_id,
    )


def session_roster(*, user: Any, session: TrainingSession) -> Roster:
    return roster_of(
        user=user,
        facility=session.facility,
        organisation=session.audience_organisation,
    )


def session_attendance(*, session: TrainingSession) -> QuerySet[Person]:
    """The people who attended, by name."""
    return Person.objects.filter(attendance__session=session).order_by(
        "name", "identifier"
    )


def _roles_for(roster: Roster, present: Iterable[str]) -> list[str]:
    roles = set(roster.roles) | (set() if roster.is_facility else set(present))
    return sorted(roles, key=lambda r: ROLE_ORDER.get(r, 99))


def roster_rows_for(roster: Roster) -> list[tuple[Any, str, bool]]:
    return list(roster.people().values_list("pk", "role", "active"))


def attendance_rows_for(
    roster: Roster, topics: Iterable[str]
) -> list[tuple[Any, str, bool]]:
    return list(
        Attendance.objects.filter(
            **roster.person_filter("person__"), session__topic__in=list(topics)
        ).values_list("person_id", "session__topic", "session__during_working_hours")
    )


def coverage_for(
    *,
    roster: Roster,
    topics: Iterable[str],
    working_hours_only: bool = False,
) -> Coverage:
    """Coverage of a roster the caller may read (two queries)."""
    wanted = list(dict.fromkeys(topics))
    people = roster_rows_for(roster)
    return coverage_count(
        roster=people,
        attendance=attendance_rows_for(roster, wanted),
        topics=wanted,
        roles=_roles_for(roster, (role for _pk, role, _active in people)),
        working_hours_only=working_hours_only,
    )


def training_coverage(
    *,
    user: Any,
    facility: Facility | None = None,
    organisation: Organisation | None = None,
    topics: Iterable[str],
    working_hours_only: bool = False,
) -> Coverage:
    """Coverage of a facility's or an organisation's roster, for a reader of it."""
    roster = roster_of(user=user, facility=facility, organisation=organisation)
    return coverage_for(
        roster=roster, topics=topics, working_hours_only=working_hours_only
    )


def protocols_coverage(*, user: Any, organisation: Organisation) -> Coverage:
    """C7: an organisation's officials and partners trained on protocols."""
    return training_coverage(
        user=user, organisation=organisation, topics=[TrainingTopic.PROTOCOLS]
    )


def session_links(sessions: Sequence[TrainingSession]) -> dict[uuid.UUID, Any]:
    """What each session counts for in higher apps (their ``SessionLink``):
    per session, a mapping with the link's ids and a ``label``."""
    found: dict[uuid.UUID, Any] = {}
    for link in hooks.session_links():
        for pk, described in link.describe(sessions).items():
            found.setdefault(pk, described)
    return found


def facility_coverage(*, roster: Roster) -> list[Coverage]:
    """Per topic that has sessions for this facility's roster, the coverage per
    role (any session counts, as a roster's coverage page counts it)."""
    assert roster.facility is not None  # noqa: S101 - a facility's roster
    topics = list(
        roster.sessions().order_by("topic").values_list("topic", flat=True).distinct()
    )
    if not topics:
        return []
    people = roster_rows_for(roster)
    attended = attendance_rows_for(roster, topics)
    order = {value: index for index, value in enumerate(TrainingTopic.values)}
    return [
        coverage_count(
            roster=people, attendance=attended, topics=[topic], roles=FACILITY_ROLES
        )
        for topic in sorted(topics, key=lambda t: order.get(t, 99))
    ]
