"""`/api/v1/coordination/meetings`: work groups' meetings, their participants,
agenda items (whose decisions and tasks become actions of the plan), closing
the minutes and the minutes as PDF.

Every staff member with coordination reading reads them; coordinators and the
lead of the meeting's group keep them. A change to a meeting carries the
`version` read (409 if it moved); once the minutes are closed every change is
refused (409), nothing stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts.permissions import Sector
from remedia.coordination.api.actions import action_out
from remedia.coordination.models import (
    AgendaItem,
    Meeting,
    MeetingParticipant,
    Objective,
    Outcome,
)
from remedia.coordination.selectors.meetings import (
    item_get_for_user,
    meeting_get_for_user,
    meeting_list,
    participant_get_for_user,
)
from remedia.coordination.selectors.plan import (
    action_get_for_user,
    group_get_for_user,
    plan_list,
)
from remedia.coordination.services import meetings as services
from remedia.core.errors import InvalidInput, NotFound
from remedia.core.kit import invalid_missing, request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.pdf import document_language
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (meetings)"])


class ParticipantOut(AnswerSchema):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str
    user_id: uuid.UUID | None
    name: str
    invited: bool
    attended: bool


class ItemOut(AnswerSchema):
    id: uuid.UUID
    meeting_id: uuid.UUID
    order: int
    title: str
    notes: str
    outcome: str
    outcome_text: str
    action_id: uuid.UUID | None = Field(description="The plan's action made from it.")


class MeetingOut(AnswerSchema):
    id: uuid.UUID
    group_id: uuid.UUID
    title: str
    held_on: dt.date
    starts_at: dt.time | None
    location: str
    closed: bool
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with a change.")


class MeetingDetail(MeetingOut):
    minutes: str
    participants: list[ParticipantOut]
    items: list[ItemOut]


class MeetingList(AnswerSchema):
    items: list[MeetingOut]
    count: int


class MeetingQuery(Schema):
    group_id: uuid.UUID | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    group_id: uuid.UUID
    title: str = Field(max_length=200)
    held_on: dt.date
    starts_at: dt.time | None = None
    location: str = Field("", max_length=200)
    invite_members: bool = Field(
        False, description="Invite every organisation (and person) of the group."
    )


class MeetingPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="The `version` you read.")
    title: str | None = Field(None, max_length=200)
    held_on: dt.date | None = None
    starts_at: dt.time | None = None
    location: str | None = Field(None, max_length=200)
    minutes: str | None = Field(None, max_length=20000)


class ParticipantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None = Field(
        None, description="A user of that organisation, if in Remedia."
    )
    name: str = Field("", max_length=200, description="Or a name, if not.")
    invited: bool = True
    attended: bool = False


class ParticipantPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    invited: bool | None = None
    attended: bool | None = None


class ItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    notes: str = Field("", max_length=4000)
    outcome: Outcome = Outcome.INFORMATION
    outcome_text: str = Field(
        "", max_length=4000, description="Required for a decision or a task."
    )
    order: int | None = Field(None, ge=0, le=999)


class ItemPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=4000)
    outcome: Outcome | None = None
    outcome_text: str | None = Field(None, max_length=4000)
    order: int | None = Field(None, ge=0, le=999)


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item_ids: list[uuid.UUID] = Field(max_length=200)


class ItemActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    objective_id: uuid.UUID
    title: str | None = Field(
        None, max_length=300, description="Default: the item's outcome text."
    )
    description: str | None = Field(None, max_length=4000)
    sector: Sector
    owner_id: uuid.UUID
    partner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=30)
    state: str = Field("", max_length=6, description="ISO 3166-2:MX, e.g. MX-PUE.")
    municipality: str = Field("", max_length=120)
    starts_on: dt.date | None = Field(None, description="Default: the meeting's day.")
    due_on: dt.date


class ItemActionOut(AnswerSchema):
    item: ItemOut
    action_id: uuid.UUID
    action_title: str
    objective_id: uuid.UUID


def participant_out(p: MeetingParticipant) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organisation_id": p.organisation_id,
        "organisation": p.organisation.name,
        "user_id": p.user_id,
        "name": p.name,
        "invited": p.invited,
        "attended": p.attended,
    }


def item_out(i: AgendaItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "meeting_id": i.meeting_id,
        "order": i.order,
        "title": i.title,
        "notes": i.notes,
        "outcome": i.outcome,
        "outcome_text": i.outcome_text,
        "action_id": i.action_id,
    }


def meeting_out(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "group_id": m.group_id,
        "title": m.title,
        "held_on": m.held_on,
        "starts_at": m.starts_at,
        "location": m.location,
        "closed": m.closed,
        "closed_at": m.closed_at,
        "version": m.version,
    }


def meeting_detail_out(m: Meeting) -> dict[str, Any]:
    return {
        **meeting_out(m),
        "minutes": m.minutes,
        "participants": [participant_out(p) for p in m.participants.all()],
        "items": [item_out(i) for i in m.items.all()],
    }


def _detail(request: HttpRequest, meeting_id: Any) -> dict[str, Any]:
    return meeting_detail_out(
        meeting_get_for_user(user=request_user(request), meeting_id=meeting_id)
    )


@router.get("/meetings", response=MeetingList, summary="Work groups' meetings")
def meetings(request: HttpRequest, query: Query[MeetingQuery]) -> dict[str, Any]:
    rows = meeting_list(viewer=request_user(request))
    if query.group_id is not None:
        rows = rows.filter(group_id=query.group_id)
    page, count = paginate(
        rows.order_by("-held_on", "pk"), limit=query.limit, offset=query.offset
    )
    return {"items": [meeting_out(m) for m in page], "count": count}


@router.post(
    "/meetings",
    response={201: MeetingDetail},
    summary="Add a meeting (coordinators, the group's lead)",
)
def meeting_add(request: HttpRequest, payload: MeetingIn) -> Status:
    user = request_user(request)
    try:
        group = group_get_for_user(user=user, group_id=payload.group_id)
    except NotFound:
        raise invalid_missing("group_id") from None
    meeting = services.meeting_create(
        user=user, group=group, data=payload.model_dump(exclude={"group_id"})
    )
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/{meeting_id}", response=MeetingDetail, summary="One meeting")
def meeting_detail(request: HttpRequest, meeting_id: str) -> dict[str, Any]:
    return _detail(request, meeting_id)


@router.patch(
    "/meetings/{meeting_id}",
    response=MeetingDetail,
    summary="Change a meeting or its minutes (coordinators, the group's lead)",
)
def meeting_change(
    request: HttpRequest, meeting_id: str, payload: MeetingPatch
) -> dict[str, Any]:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    required = [n for n in ("title", "held_on") if n in changes and changes[n] is None]
    if required:
        raise InvalidInput(
            [{"field": n, "reason": _("Este campo es obligatorio.")} for n in required]
        )
    services.meeting_update(user=user, meeting=meeting, data=changes, version=version)
    return _detail(request, meeting.pk)


@router.post(
    "/meetings/{meeting_id}/close",
    response=MeetingDetail,
    summary="Close the minutes: nothing about the meeting changes after",
)
def meeting_close(request: HttpRequest, meeting_id: str) -> dict[str, Any]:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    services.meeting_close(user=user, meeting=meeting)
    return _detail(request, meeting.pk)


@router.get(
    "/meetings/{meeting_id}/minutes.pdf",
    response={200: None},
    summary="The minutes as a PDF (lang=es|en); audited",
)
def meeting_pdf(
    request: HttpRequest, meeting_id: str, lang: str = "es"
) -> HttpResponse:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    language = document_language(lang)
    pdf = services.minutes_pdf(user=user, meeting=meeting, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{services.minutes_filename(meeting, language)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/meetings/{meeting_id}/participants",
    response={201: ParticipantOut},
    summary="Invite an organisation, through a user or a name",
)
def participant_add(
    request: HttpRequest, meeting_id: str, payload: ParticipantIn
) -> Status:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    data = payload.model_dump()
    participant = services.participant_add(user=user, meeting=meeting, data=data)
    return Status(
        201,
        participant_out(
            participant_get_for_user(user=user, participant_id=participant.pk)
        ),
    )


@router.patch(
    "/meeting-participants/{participant_id}",
    response=ParticipantOut,
    summary="Mark a participant invited or attended",
)
def participant_change(
    request: HttpRequest, participant_id: str, payload: ParticipantPatch
) -> dict[str, Any]:
    user = request_user(request)
    participant = participant_get_for_user(user=user, participant_id=participant_id)
    services.participant_mark(
        user=user,
        participant=participant,
        data=payload.model_dump(exclude_unset=True),
    )
    return participant_out(
        participant_get_for_user(user=user, participant_id=participant.pk)
    )


@router.delete(
    "/meeting-participants/{participant_id}",
    response={204: None},
    summary="Take a participant off the meeting",
)
def participant_delete(request: HttpRequest, participant_id: str) -> Status:
    user = request_user(request)
    participant = participant_get_for_user(user=user, participant_id=participant_id)
    services.participant_remove(user=user, participant=participant)
    return Status(204, None)


@router.post(
    "/meetings/{meeting_id}/items",
    response={201: ItemOut},
    summary="Add an agenda item (outcome: information, decision or task)",
)
def item_add(request: HttpRequest, meeting_id: str, payload: ItemIn) -> Status:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    data = payload.model_dump(exclude_none=True)
    data["outcome"] = str(data["outcome"])
    return Status(
        201, item_out(services.item_add(user=user, meeting=meeting, data=data))
    )


@router.post(
    "/meetings/{meeting_id}/items/order",
    response=list[ItemOut],
    summary="Put the agenda in order (every item, once)",
)
def items_order(
    request: HttpRequest, meeting_id: str, payload: OrderIn
) -> list[dict[str, Any]]:
    user = request_user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    items = services.items_reorder(
        user=user, meeting=meeting, item_ids=[str(i) for i in payload.item_ids]
    )
    return [item_out(i) for i in items]


@router.patch(
    "/agenda-items/{item_id}",
    response=ItemOut,
    summary="Change an agenda item or its outcome",
)
def item_change(
    request: HttpRequest, item_id: str, payload: ItemPatch
) -> dict[str, Any]:
    user = request_user(request)
    item = item_get_for_user(user=user, item_id=item_id)
    changes = payload.model_dump(exclude_unset=True)
    required = [n for n in ("title", "outcome") if n in changes and changes[n] is None]
    if required:
        raise InvalidInput(
            [{"field": n, "reason": _("Este campo es obligatorio.")} for n in required]
        )
    if "outcome" in changes:
        changes["outcome"] = str(changes["outcome"])
    for name in ("notes", "outcome_text"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    return item_out(services.item_update(user=user, item=item, data=changes))


@router.post(
    "/agenda-items/{item_id}/action",
    response={201: ItemActionOut},
    summary="Make an action of the plan from a decision or a task, linked both ways",
)
def item_action(request: HttpRequest, item_id: str, payload: ItemActionIn) -> Status:
    user = request_user(request)
    item = item_get_for_user(user=user, item_id=item_id)
    objective = (
        Objective.objects.filter(
            pk=payload.objective_id, plan__in=plan_list(viewer=user)
        )
        .select_related("plan", "group")
        .first()
    )
    if objective is None:
        raise invalid_missing("objective_id")
    initial = services.item_action_initial(item)
    data: dict[str, Any] = payload.model_dump(exclude={"objective_id"})
    for name in ("title", "description", "starts_on"):
        if data.get(name) is None:
            data[name] = initial[name]
    data["sector"] = str(data["sector"])
    data["owner_id"] = str(data["owner_id"])
    data["partner_ids"] = [str(p) for p in data["partner_ids"]]
    action = services.item_action_create(
        user=user, item=item, objective=objective, data=data
    )
    item.refresh_from_db()
    action = action_get_for_user(user=user, action_id=action.pk)
    return Status(
        201,
        {
            "item": item_out(item),
            "action_id": action.pk,
            "action_title": action_out(action)["title"],
            "objective_id": action.objective_id,
        },
    )
