"""Keeping work groups and their members: coordinators only."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.accounts.permissions import Sector
from remedia.coordination.models import GroupRole, WorkGroup, WorkGroupMember
from remedia.coordination.services._common import (
    audit,
    choice,
    organisation_parse,
    refuse,
    user_parse,
    writer_require,
)
from remedia.core.kit import full_clean, model_update, text_field


def _sectors(value: Any, errors: list[dict[str, Any]]) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        errors.append({"field": "sectors", "reason": _("Debe ser una lista.")})
        return []
    codes = list(dict.fromkeys(str(v) for v in value))
    if any(c not in Sector.values for c in codes):
        errors.append({"field": "sectors", "reason": _("No es un valor admitido.")})
        return []
    return codes


def _group_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    cleaned: dict[str, Any] = {}
    if "name" in data or not partial:
        cleaned["name"] = text_field(
            data.get("name"), field="name", limit=200, required=True, errors=errors
        )
    if "purpose" in data or not partial:
        cleaned["purpose"] = text_field(
            data.get("purpose"), field="purpose", limit=2000, errors=errors
        )
    if "sectors" in data or not partial:
        cleaned["sectors"] = _sectors(data.get("sectors"), errors)
    if "lead_id" in data or not partial:
        cleaned["lead"] = user_parse(
            data.get("lead_id"), field="lead_id", errors=errors
        )
    refuse(errors)
    return cleaned


@transaction.atomic
def group_create(*, user: User, data: dict[str, Any]) -> WorkGroup:
    """A new work group; its lead approves its actions' updates."""
    writer_require(user)
    group = WorkGroup(created_by=user, **_group_fields(data, partial=False))
    full_clean(group)
    group.save()
    audit("group_created", user=user, obj=group)
    return group


@transaction.atomic
def group_update(*, user: User, group: WorkGroup, data: dict[str, Any]) -> WorkGroup:
    writer_require(user)
    group = WorkGroup.objects.select_for_update().get(pk=group.pk)
    cleaned = _group_fields(data, partial=True)
    group, changed = model_update(instance=group, fields=list(cleaned), data=cleaned)
    if changed:
        audit("group_changed", user=user, obj=group, fields=",".join(sorted(cleaned)))
    return group


@transaction.atomic
def group_member_add(
    *, user: User, group: WorkGroup, data: dict[str, Any]
) -> WorkGroupMember:
    """An organisation (and optionally its person) joins the group."""
    writer_require(user)
    errors: list[dict[str, Any]] = []
    organisation = organisation_parse(
        data.get("organisation_id"), field="organisation_id", errors=errors
    )
    person = None
    if data.get("user_id") not in (None, ""):
        person = user_parse(data.get("user_id"), field="user_id", errors=errors)
    role = choice(
        data.get("role"),
        choices=list(GroupRole.values),
        field="role",
        errors=errors,
        default=GroupRole.MEMBER,
    )
    refuse(errors)
    if (
        person is not None
        and not person.memberships.filter(organisation=organisation).exists()
    ):
        refuse(
            [
                {
                    "field": "user_id",
                    "reason": _("Esa persona no trabaja en esa organización."),
                }
            ]
        )
    if WorkGroupMember.objects.filter(
        group=group, organisation=organisation, user=person
    ).exists():
        refuse(
            [
                {
                    "field": "organisation_id",
                    "reason": _("Ya forma parte del grupo."),
                }
            ]
        )
    member = WorkGroupMember(
        group=group, organisation=organisation, user=person, role=role
    )
    full_clean(member, validate_unique=False)
    member.save()
    audit(
        "group_member_added",
        user=user,
        obj=group,
        member=member.pk,
        organisation=member.organisation_id,
        role=role,
    )
    return member


@transaction.atomic
def group_member_remove(*, user: User, member: WorkGroupMember) -> None:
    writer_require(user)
    group = member.group
    audit("group_member_removed", user=user, obj=group, member=member.pk)
    member.delete()
