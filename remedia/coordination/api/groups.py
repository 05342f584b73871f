"""`/api/v1/coordination/groups`: work groups and their members.

Every staff member with coordination reading reads them; coordinators write.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts.permissions import Sector
from remedia.coordination.models import GroupRole, WorkGroup
from remedia.coordination.selectors.plan import (
    group_get_for_user,
    group_list,
    member_get_for_user,
)
from remedia.coordination.services.groups import (
    group_create,
    group_member_add,
    group_member_remove,
    group_update,
)
from remedia.core.errors import InvalidInput
from remedia.core.kit import request_user
from remedia.core.pagination import PageQuery, paginate
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (groups)"])


class Ref(AnswerSchema):
    id: uuid.UUID
    name: str


class MemberOut(AnswerSchema):
    id: uuid.UUID
    organisation: Ref
    user_id: uuid.UUID | None
    role: str


class GroupOut(AnswerSchema):
    id: uuid.UUID
    name: str
    purpose: str
    sectors: list[str]
    lead_id: uuid.UUID
    members: list[MemberOut]


class GroupList(AnswerSchema):
    items: list[GroupOut]
    count: int


class GroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    purpose: str = Field("", max_length=2000)
    sectors: list[Sector] = Field(default_factory=list, max_length=4)
    lead_id: uuid.UUID


class GroupPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    purpose: str | None = Field(None, max_length=2000)
    sectors: list[Sector] | None = Field(None, max_length=4)
    lead_id: uuid.UUID | None = None


class MemberIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None = None
    role: GroupRole = GroupRole.MEMBER


def group_out(group: WorkGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "purpose": group.purpose,
        "sectors": list(group.sectors),
        "lead_id": group.lead_id,
        "members": [
            {
                "id": m.pk,
                "organisation": {"id": m.organisation.pk, "name": m.organisation.name},
                "user_id": m.user_id,
                "role": m.role,
            }
            for m in group.members.all()
        ],
    }


@router.get("/groups", response=GroupList, summary="Work groups")
def groups(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    rows, count = paginate(
        group_list(viewer=request_user(request)).order_by("name", "pk"),
        limit=query.limit,
        offset=query.offset,
    )
    return {"items": [group_out(g) for g in rows], "count": count}


@router.post("/groups", response={201: GroupOut}, summary="Add a group (coordinators)")
def group_add(request: HttpRequest, payload: GroupIn) -> Status:
    data = payload.model_dump()
    data["sectors"] = [str(s) for s in data["sectors"]]
    group = group_create(user=request_user(request), data=data)
    return Status(
        201, group_out(group_get_for_user(user=group.lead, group_id=group.pk))
    )


@router.get("/groups/{group_id}", response=GroupOut, summary="One group")
def group_detail(request: HttpRequest, group_id: str) -> dict[str, Any]:
    return group_out(group_get_for_user(user=request_user(request), group_id=group_id))


@router.post(
    "/groups/{group_id}/members",
    response={201: MemberOut},
    summary="Add an organisation (and its person) to a group (coordinators)",
)
def group_member(request: HttpRequest, group_id: str, payload: MemberIn) -> Status:
    user = request_user(request)
    group = group_get_for_user(user=user, group_id=group_id)
    data = payload.model_dump()
    data["role"] = str(data["role"])
    member = group_member_add(user=user, group=group, data=data)
    return Status(
        201,
        {
            "id": member.pk,
            "organisation": {
                "id": member.organisation.pk,
                "name": member.organisation.name,
            },
            "user_id": member.user_id,
            "role": member.role,
        },
    )


@router.patch(
    "/groups/{group_id}", response=GroupOut, summary="Change a group (coordinators)"
)
def group_change(
    request: HttpRequest, group_id: str, payload: GroupPatch
) -> dict[str, Any]:
    user = request_user(request)
    group = group_get_for_user(user=user, group_id=group_id)
    changes = payload.model_dump(exclude_unset=True)
    required = [n for n in ("name", "lead_id") if n in changes and changes[n] is None]
    if required:
        raise InvalidInput(
            [{"field": n, "reason": _("Este campo es obligatorio.")} for n in required]
        )
    if "sectors" in changes:
        changes["sectors"] = [str(s) for s in changes["sectors"] or []]
    if changes.get("lead_id") is not None:
        changes["lead_id"] = str(changes["lead_id"])
    group_update(user=user, group=group, data=changes)
    return group_out(group_get_for_user(user=user, group_id=group.pk))


@router.delete(
    "/groups/{group_id}/members/{member_id}",
    response={204: None},
    summary="Take an organisation (or its person) out of a group (coordinators)",
)
def group_member_delete(request: HttpRequest, group_id: str, member_id: str) -> Status:
    user = request_user(request)
    group = group_get_for_user(user=user, group_id=group_id)
    member = member_get_for_user(user=user, group=group, member_id=member_id)
    group_member_remove(user=user, member=member)
    return Status(204, None)
