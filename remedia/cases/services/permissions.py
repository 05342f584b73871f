"""Who may write a case, and who may be assigned one."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Membership, User
from remedia.accounts.permissions import Capability, roles_with
from remedia.accounts.selectors import (
    organisations_for,
)
from remedia.cases.models import (
    Case,
)
from remedia.core.errors import PermissionDenied
from remedia.core.kit import invalid as _invalid


def _require_write(*, case: Case, user: User) -> None:
    if case.organisation_id not in organisations_for(
        user=user, capability=Capability.CASE_WRITE
    ):
        raise PermissionDenied()


def _case_worker(*, organisation_id: Any, user_id: Any, field: str) -> User:
    """A user who may work cases in the organisation, or a clear error."""
    try:
        uid = uuid.UUID(str(user_id))
    except ValueError:
        uid = None
    member = (
        Membership.objects.filter(
            user_id=uid,
            user__is_active=True,
            organisation_id=organisation_id,
            role__in=roles_with(Capability.CASE_WRITE),
        )
        .select_related("user")
        .first()
        if uid
        else None
    )
    if member is None:
        raise _invalid(
            field,
            _(
                "Esa persona no gestiona casos en la organización del caso; "
                "elija a alguien con ese rol."
            ),
        )
    return member.user


def case_workers(*, organisation_id: Any) -> list[User]:
    """Who may be assigned cases or tasks of the organisation (for the forms)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=roles_with(Capability.CASE_WRITE),
        )
        .distinct()
        .order_by("username")
    )
