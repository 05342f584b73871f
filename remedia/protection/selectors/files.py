"""Who may open a victim file, and the files a user may see.

The strictest rule in Remedia: a file is read only by the protection workers
assigned to it and by their organisation's protection leads (the supervisors,
`Capability.PROTECTION_SUPERVISE`). Everyone else, handlers and other
protection workers of the same organisation included, gets the very `NotFound`
a missing file gives.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.protection.models import VictimFile


def files_visible_to(*, user: Any) -> QuerySet[VictimFile]:
    """The files `user` may read: every file where they supervise, and the
    files they are assigned to where they still work in protection."""
    if not getattr(user, "is_authenticated", False):
        return VictimFile.objects.none()
    supervised = organisations_for(
        user=user, capability=Capability.PROTECTION_SUPERVISE
    )
    working = organisations_for(user=user, capability=Capability.PROTECTION_READ)
    if not supervised and not working:
        return VictimFile.objects.none()
    return VictimFile.objects.filter(
        Q(organisation_id__in=supervised)
        | Q(organisation_id__in=working, assignments__user=user)
    ).distinct()


def file_get_for_user(*, user: Any, file_id: Any) -> VictimFile:
    """One file the user may read, or `NotFound` (missing and forbidden alike)."""
    return get_scoped(
        files_visible_to(user=user).select_related("organisation", "facility"),
        pk=file_id,
    )


def file_can_supervise(*, user: Any, file: VictimFile) -> bool:
    return file.organisation_id in organisations_for(
        user=user, capability=Capability.PROTECTION_SUPERVISE
    )


def file_reader_ids(*, file: VictimFile) -> set[Any]:
    """Ids of the active users who may read the file now (for key grants)."""
    leads = set(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=file.organisation_id,
            memberships__organisation__is_active=True,
            memberships__role__in=roles_with(Capability.PROTECTION_SUPERVISE),
        ).values_list("pk", flat=True)
    )
    assigned = set(
        User.objects.filter(
            is_active=True,
            victim_file_assignments__file=file,
            memberships__organisation_id=file.organisation_id,
            memberships__organisation__is_active=True,
            memberships__role__in=roles_with(Capability.PROTECTION_READ),
        ).values_list("pk", flat=True)
    )
    return leads | assigned


def protection_workers(*, organisation_id: Any) -> list[User]:
    """Who may be assigned files of the organisation (for the forms)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=roles_with(Capability.PROTECTION_WRITE),
        )
        .distinct()
        .order_by("first_name", "username")
    )
