"""Who may see and hold a screening, and the screenings a page lists.

A screening is the protection team's: its protection staff (members holding
`PROTECTION_READ`) read every screening of their organisation. A case handler
(`CASE_WRITE`) of the organisation may hold the interview when the screening
came from one of its reports or cases ("a protection worker, or a handler from
a report or case"): they see it while it is pending, and afterwards only the
ones they held themselves. Anyone else gets the `NotFound` a missing screening
gives. Once a file is opened from a screening nobody new may read it: the
file's readers are a subset of the organisation's protection staff.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from remedia.accounts.models import Membership
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.cases.models import Case
from remedia.intake.models import Report
from remedia.protection.models import Screening, VictimFile
from remedia.protection.vocabulary import ScreeningStatus


def screenings_visible_to(*, user: Any) -> QuerySet[Screening]:
    """The screenings `user` may open (the questionnaire, or the outcome)."""
    if not getattr(user, "is_authenticated", False):
        return Screening.objects.none()
    protection = organisations_for(user=user, capability=Capability.PROTECTION_READ)
    handling = organisations_for(user=user, capability=Capability.CASE_WRITE)
    if not protection and not handling:
        return Screening.objects.none()
    visible = Q(organisation_id__in=protection)
    if handling:
        from_their_work = Q(report__isnull=False) | Q(case__isnull=False)
        visible |= Q(organisation_id__in=handling, conducted_by=user)
        visible |= (
            Q(organisation_id__in=handling, status=ScreeningStatus.PENDING)
            & from_their_work
        )
    return Screening.objects.filter(visible)


def screening_get_for_user(*, user: Any, screening_id: Any) -> Screening:
    """One screening the user may open, or `NotFound` (missing and forbidden alike)."""
    return get_scoped(
        screenings_visible_to(user=user).select_related(
            "organisation", "report", "case", "file", "conducted_by"
        ),
        pk=screening_id,
    )


def screening_can_conduct(*, user: Any, screening: Screening) -> bool:
    """Whether `user` may hold (or dismiss) the interview of this screening."""
    if screening.organisation_id in organisations_for(
        user=user, capability=Capability.PROTECTION_WRITE
    ):
        return True
    from_their_work = screening.report_id is not None or screening.case_id is not None
    return from_their_work and screening.organisation_id in organisations_for(
        user=user, capability=Capability.CASE_WRITE
    )


def screening_list(*, viewer: Any, status: str | None = None) -> QuerySet[Screening]:
    """The viewer's screenings, newest first, optionally of one status."""
    rows = screenings_visible_to(user=viewer).select_related(
        "organisation", "report", "case", "conducted_by"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def _members(*, organisation_ids: Any, capabilities: set[Capability]) -> set[Any]:
    """Ids of the active users holding one of `capabilities` in those organisations."""
    roles: set[str] = set()
    for capability in capabilities:
        roles |= roles_with(capability)
    return set(
        Membership.objects.filter(
            organisation_id__in=list(organisation_ids),
            organisation__is_active=True,
            user__is_active=True,
            role__in=roles,
        ).values_list("user_id", flat=True)
    )


def screening_reader_ids(*, screening: Screening) -> set[Any]:
    """Ids of the active users who may read the answers now (for key grants):
    the organisation's protection staff, and the interviewer while they still
    hold a case or protection role there."""
    org = [screening.organisation_id]
    readers = _members(organisation_ids=org, capabilities={Capability.PROTECTION_READ})
    if screening.conducted_by_id is not None and screening.conducted_by_id in _members(
        organisation_ids=org,
        capabilities={Capability.PROTECTION_READ, Capability.CASE_WRITE},
    ):
        readers.add(screening.conducted_by_id)
    return readers


def _viewer_organisations(user: Any) -> set[Any]:
    return (
        organisations_for(user=user, capability=Capability.PROTECTION_READ)
        | organisations_for(user=user, capability=Capability.CASE_READ)
        | organisations_for(user=user, capability=Capability.REPORT_READ)
    )


def report_screenings(*, viewer: Any, report: Report) -> list[Screening]:
    """The screenings of a report held by the viewer's own organisations (for
    the report page's panel); another organisation's are not the viewer's business."""
    return list(
        Screening.objects.filter(
            report=report, organisation_id__in=_viewer_organisations(viewer)
        )
        .select_related("organisation")
        .order_by("-created_at")
    )


def case_screenings(*, viewer: Any, case: Case) -> list[Screening]:
    """The screenings of a case (its organisation's), for the case page's panel."""
    if case.organisation_id not in _viewer_organisations(viewer):
        return []
    return list(
        Screening.objects.filter(case=case)
        .select_related("organisation")
        .order_by("-created_at")
    )


def file_screenings(*, file: VictimFile) -> list[Screening]:
    """The screenings a file was opened from (the file is access-checked)."""
    return list(
        Screening.objects.filter(file=file, organisation_id=file.organisation_id)
        .select_related("conducted_by")
        .order_by("-conducted_on", "-created_at")
    )


def protection_team_ids(*, organisation_ids: Any) -> set[Any]:
    """Which of these organisations have members holding `PROTECTION_WRITE`."""
    return set(
        Membership.objects.filter(
            organisation_id__in=list(organisation_ids),
            organisation__is_active=True,
            user__is_active=True,
            role__in=roles_with(Capability.PROTECTION_WRITE),
        ).values_list("organisation_id", flat=True)
    )
