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

from django.db.models import Q, QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.errors import PermissionDenied
from remedia.remediation.models import Course, PartyRole


def _reading_filter(user: Any) -> Q | None:
    readers = organisations_for(user=user, capability=Capability.REMEDIATION_READ)
    officers = organisations_for(user=user, capability=Capability.EVIDENCE_SUBMIT)
    condition = Q()
    matched = False
    if readers:
        condition |= Q(organisation__in=readers) | Q(parties__organisation__in=readers)
        matched = True
    if officers:
        condition |= Q(
            parties__organisation__in=officers, parties__role=PartyRole.COMPANY
        )
        matched = True
    return condition if matched else None


def courses_visible(*, user: Any) -> QuerySet[Course]:
    """Every course the user may read (the pk subquery keeps rows unique)."""
    condition = _reading_filter(user)
    if condition is None:
        return Course.objects.none()
    ids = Course.objects.filter(condition).values("pk")
    return Course.objects.filter(pk__in=ids)


def course_get(*, user: Any, course_id: Any) -> Course:
    return get_scoped(
        courses_visible(user=user).select_related("facility", "organisation"),
        pk=course_id,
    )


def _party_organisations(course: Course, *roles: str) -> set[uuid.UUID]:
    parties = course.parties.filter(organisation__isnull=False)
    if roles:
        parties = parties.filter(role__in=roles)
    return set(parties.values_list("organisation_id", flat=True))


def can_read_all(*, user: Any, course: Course) -> bool:
    """Reads monitor notes and survey results, not only the measures."""
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
