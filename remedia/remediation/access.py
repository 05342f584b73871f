"""Who may read and change a course of remediation.

A course is shared by its owning organisation and every organisation named as
one of its parties. Within those organisations, a member's role decides:

- ``remediation.read`` (analysts, monitors, coordinators) reads the whole
  course, monitor notes included;
- ``remediation.write`` (monitors) in the owning organisation or in a party
  with the monitor role changes it: measures, statuses, surveys, verification;
- ``evidence.submit`` (facility compliance officers) in a party with the
  company role reads the measures and uploads evidence and rosters, and sees
  neither monitor notes nor survey answers below the threshold.

Everything else answers ``NotFound``, exactly like a course that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.principals import is_partner
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.errors import PermissionDenied
from remedia.remediation.models import Course, CourseParty, Measure, PartyRole


def _reading_filter(user: Any) -> Q | None:
    """Owner or party, as EXISTS tests: no join, so no course twice and no
    subquery to keep rows unique (a list's count and page stay cheap)."""
    readers = organisations_for(user=user, capability=Capability.REMEDIATION_READ)
    officers = organisations_for(user=user, capability=Capability.EVIDENCE_SUBMIT)
    condition = Q()
    matched = False
    if readers:
        condition |= Q(organisation__in=readers) | Q(
            Exists(
                CourseParty.objects.filter(
                    course=OuterRef("pk"), organisation__in=readers
                )
            )
        )
        matched = True
    if officers:
        condition |= Q(
            Exists(
                CourseParty.objects.filter(
                    course=OuterRef("pk"),
                    organisation__in=officers,
                    role=PartyRole.COMPANY,
                )
            )
        )
        matched = True
    return condition if matched else None


def courses_visible(*, user: Any) -> QuerySet[Course]:
    """Every course the user may read."""
    condition = _reading_filter(user)
    if condition is None:
        return Course.objects.none()
    return Course.objects.filter(condition)


def course_get(*, user: Any, course_id: Any) -> Course:
    return get_scoped(
        courses_visible(user=user).select_related("facility", "organisation"),
        pk=course_id,
    )


def visible_measure_get(*, user: Any, measure_id: Any) -> Measure:
    """A measure of a course the user reads, with its course; `NotFound`
    otherwise, as for `course_get`."""
    return get_scoped(
        Measure.objects.filter(
            course__in=courses_visible(user=user).values("pk")
        ).select_related("course"),
        pk=measure_id,
    )


_PARTIES = "_remedia_party_roles"


def _party_organisations(course: Course, *roles: str) -> set[uuid.UUID]:
    """The party organisations (with one of ``roles``, if given).

    Read once per course object: a page asks several of the questions below
    about the same course. ``parties_changed`` forgets it after a change.
    """
    known: list[tuple[uuid.UUID, str]] | None = getattr(course, _PARTIES, None)
    if known is None:
        known = list(
            course.parties.filter(organisation__isnull=False).values_list(
                "organisation_id", "role"
            )
        )
        setattr(course, _PARTIES, known)
    return {org for org, role in known if not roles or role in roles}


def parties_changed(course: Course) -> None:
    """Forget the parties read for ``course`` (a party was added or removed)."""
    if hasattr(course, _PARTIES):
        delattr(course, _PARTIES)


def can_read_all(*, user: Any, course: Course) -> bool:
    """Reads monitor notes and survey results, not only the measures.

    Never a partner system (scope remediation:read): it reads the measures,
    their statuses and evidence list, as a party's officer does.
    """
    if is_partner(user):
        return False
    readers = organisations_for(user=user, capability=Capability.REMEDIATION_READ)
    if course.organisation_id in readers:
        return True
    return bool(readers & _party_organisations(course))


def can_manage(*, user: Any, course: Course) -> bool:
    writers = organisations_for(user=user, capability=Capability.REMEDIATION_WRITE)
    if course.organisation_id in writers:
        return True
    return bool(writers & _party_organisations(course, PartyRole.MONITOR))


def can_submit_evidence(*, user: Any, course: Course) -> bool:
    officers = organisations_for(user=user, capability=Capability.EVIDENCE_SUBMIT)
    return bool(officers & _party_organisations(course, PartyRole.COMPANY))


def require_manage(*, user: Any, course: Course) -> None:
    if not can_manage(user=user, course=course):
        raise PermissionDenied()


def require_evidence_submit(*, user: Any, course: Course) -> None:
    if not (
        can_submit_evidence(user=user, course=course)
        or can_manage(user=user, course=course)
    ):
        raise PermissionDenied()
