"""`/api/v1/protection/files/{file_id}/support`: the file's support plan.

The file is fetched for its readers only (the same 404 for anyone else); an
action is looked up under its own file. Listing the plan opens the file, so it
is audited like any read of it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import keys
from remedia.core.pagination import PageQuery, page_of
from remedia.protection.api.files import (
    SupportActionOut,
    file_of,
    read_file,
    support_out,
    viewer_of,
)
from remedia.protection.selectors.support import (
    support_action_get,
)
from remedia.protection.services import support as services
from remedia.protection.vocabulary import SupportStatus, SupportType

router = Router(tags=["protection: support plans"])


class SupportActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    support_type: SupportType
    objective: str = Field(..., description="Sealed to the file's key.")
    action: str = Field("", description="Sealed to the file's key.")
    owner_id: uuid.UUID | None = Field(
        None, description="A member of the owner organisation."
    )
    owner_organisation_id: uuid.UUID | None = Field(
        None, description="The file's organisation when left out."
    )
    starts_on: date | None = Field(None, description="Today when left out.")
    due_on: date | None = None


class SupportActionPatchIn(Schema):
    """Only the fields present change; `status` moves it (done and dropped take
    `done_on`, today when left out)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(..., description="The action's version read; stale is 409.")
    support_type: SupportType | None = None
    objective: str | None = None
    action: str | None = None
    owner_id: uuid.UUID | None = None
    owner_organisation_id: uuid.UUID | None = None
    starts_on: date | None = None
    due_on: date | None = None
    status: SupportStatus | None = None
    done_on: date | None = None


def _one(request: HttpRequest, file_id: str, action_id: Any) -> dict[str, Any]:
    """One action as the plan shows it (its texts opened: a read, audited)."""
    opened = read_file(request, file_id, via="api-support")
    return support_out(next(s for s in opened.support if s.action.pk == action_id))


class SupportActionList(Schema):
    items: list[SupportActionOut]
    count: int


@router.get(
    "/files/{file_id}/support",
    response=SupportActionList,
    summary="The file's support plan; objectives decrypted for a decrypting token "
    "(audited as a read of the file)",
)
def support_list_api(
    request: HttpRequest, file_id: str, query: Query[PageQuery]
) -> dict[str, Any]:
    opened = read_file(request, file_id, via="api-support")
    return page_of(
        [support_out(s) for s in opened.support],
        limit=query.limit,
        offset=query.offset,
    )


@router.post(
    "/files/{file_id}/support",
    response={201: SupportActionOut},
    summary="Add an objective and its action to the plan",
)
def support_add_api(
    request: HttpRequest, file_id: str, payload: SupportActionIn
) -> Status[dict[str, Any]]:
    row = services.support_action_add(
        file=file_of(request, file_id),
        user=viewer_of(request),
        support_type=payload.support_type.value,
        objective=payload.objective,
        action=payload.action,
        owner_id=payload.owner_id,
        owner_organisation_id=payload.owner_organisation_id,
        starts_on=payload.starts_on,
        due_on=payload.due_on,
    )
    return Status(201, _one(request, file_id, row.pk))


@router.patch(
    "/files/{file_id}/support/{action_id}",
    response=SupportActionOut,
    summary="Change an action or move its status, against the version read",
)
def support_patch_api(
    request: HttpRequest, file_id: str, action_id: str, payload: SupportActionPatchIn
) -> dict[str, Any]:
    file = file_of(request, file_id)
    row = support_action_get(file=file, action_id=action_id)
    given = payload.model_fields_set
    changes = {
        name: getattr(payload, name).value
        if name == "support_type" and payload.support_type
        else getattr(payload, name)
        for name in services.SUPPORT_EDITABLE
        if name in given
    }
    services.support_action_change(
        action=row,
        user=viewer_of(request),
        version=payload.version,
        user_private_key=keys.request_private_key(request),
        changes=changes,
        status=payload.status.value if payload.status else None,
        done_on=payload.done_on if "done_on" in given else None,
    )
    return _one(request, file_id, row.pk)
