"""`/api/v1/coordination/updates`: progress updates, submitted and reviewed.

A member of the group's organisations (or the action's owner, or a
coordinator) submits; only the group's lead approves or returns (with a
note). Evidence files go through the pages for now.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any, TypeVar

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError

from remedia.coordination.models import IndicatorPeriod, ProgressUpdate, UpdateStatus
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.plan import (
    evidence_get_for_user,
    update_get_for_user,
)
from remedia.coordination.services.updates import (
    evidence_open,
    update_draft_discard,
    update_draft_save,
    update_resubmit,
    update_review,
    update_send,
    update_submit,
)
from remedia.coordination.views.updates import evidence_response, uploads
from remedia.core.errors import InvalidInput
from remedia.core.kit import invalid, invalid_missing, request_user
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (updates)"])

S = TypeVar("S", bound=Schema)


class EvidenceOut(AnswerSchema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    url: str = Field(description="Where to download it (audited).")


class UpdateOut(AnswerSchema):
    id: uuid.UUID
    period_id: uuid.UUID
    indicator_id: uuid.UUID
    action_id: uuid.UUID
    status: str
    value: Decimal | None
    narrative: str
    submitted_by_id: uuid.UUID
    submitted_at: dt.datetime | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: dt.datetime | None
    review_note: str
    evidence: list[str] = Field(description="The files' names.")
    evidence_files: list[EvidenceOut]


class UpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    period_id: uuid.UUID
    value: str | float | None = Field(
        None, description="A number for a quantitative indicator; none otherwise."
    )
    narrative: str = Field("", max_length=4000)
    draft: bool = Field(
        False,
        description="Keep it as a draft: seen by its author alone, counted and "
        "announced only once sent (`POST /updates/{id}/submit`).",
    )


class ResubmitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: str | float | None = None
    narrative: str = Field("", max_length=4000)


class DraftIn(Schema):
    """A draft's figures: those left out keep what the draft holds."""

    model_config = ConfigDict(extra="forbid")

    value: str | float | None = None
    narrative: str | None = Field(None, max_length=4000)


class ReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=2000, description="Why, for who submitted.")


def update_out(update: ProgressUpdate) -> dict[str, Any]:
    period = update.period
    files = list(update.evidence.all())
    return {
        "id": update.pk,
        "period_id": period.pk,
        "indicator_id": period.indicator_id,
        "action_id": period.indicator.action_id,
        "status": update.status,
        "value": update.value,
        "narrative": update.narrative,
        "submitted_by_id": update.submitted_by_id,
        "submitted_at": update.submitted_at,
        "reviewed_by_id": update.reviewed_by_id,
        "reviewed_at": update.reviewed_at,
        "review_note": update.review_note,
        "evidence": [e.name for e in files],
        "evidence_files": [
            {
                "id": e.pk,
                "name": e.name,
                "content_type": e.content_type,
                "size": e.size,
                "url": f"/api/v1/coordination/evidence/{e.pk}",
            }
            for e in files
        ],
    }


def _multipart_body(
    schema: type[Schema], files_field: str = "evidence"
) -> dict[str, Any]:
    """The request body documented as JSON or multipart (with evidence files)."""
    properties: dict[str, Any] = {
        name: {"type": "string"} for name in schema.model_json_schema()["properties"]
    }
    properties[files_field] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "Photos or PDFs (at most 5), cleaned of metadata.",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema.model_json_schema()},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": properties}
                },
            },
        }
    }


_REASONS = {
    "extra_forbidden": _lazy("Este campo no se admite."),
    "missing": _lazy("Este campo es obligatorio."),
}


def _payload(request: HttpRequest, schema: type[S]) -> tuple[S, list[Any]]:
    """The body as `schema` (JSON, or multipart fields) and its evidence files."""
    evidence: list[Any] = []
    if (request.content_type or "").startswith("multipart/"):
        body: Any = {k: request.POST.get(k) for k in request.POST}
        if "draft" in body:
            body["draft"] = body["draft"].strip().lower() in ("1", "true", "yes", "on")
        evidence = uploads(request)
    else:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(
                [{"field": "body", "reason": _("El cuerpo no es JSON válido.")}]
            ) from None
    try:
        return schema.model_validate(body), evidence
    except PydanticValidationError as exc:
        raise InvalidInput(
            [
                {
                    "field": ".".join(str(p) for p in e.get("loc", ())) or "body",
                    "reason": _REASONS.get(
                        str(e.get("type")), _("No es un valor admitido.")
                    ),
                }
                for e in exc.errors()
            ]
        ) from None


@router.post(
    "/updates",
    response={201: UpdateOut},
    summary="Submit a progress update, or keep it as a draft (JSON, or multipart "
    "with `evidence` files)",
    openapi_extra=_multipart_body(UpdateIn),
)
def update_add(request: HttpRequest) -> Status:
    user = request_user(request)
    payload, evidence = _payload(request, UpdateIn)
    period = None
    if coordination_readable(user=user):
        period = (
            IndicatorPeriod.objects.filter(pk=payload.period_id)
            .select_related("indicator__action__objective__group")
            .first()
        )
    if period is None:
        raise invalid_missing("period_id")
    update = update_submit(
        user=user,
        period=period,
        value=payload.value,
        narrative=payload.narrative,
        evidence=evidence,
        draft=payload.draft,
    )
    return Status(201, update_out(update))


@router.get("/updates/{update_id}", response=UpdateOut, summary="One update")
def update_detail(request: HttpRequest, update_id: str) -> dict[str, Any]:
    return update_out(
        update_get_for_user(user=request_user(request), update_id=update_id)
    )


@router.post(
    "/updates/{update_id}/approve",
    response=UpdateOut,
    summary="Approve a submitted update (the group's lead)",
)
def update_approve(request: HttpRequest, update_id: str) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    return update_out(
        update_review(user=user, update=update, decision=UpdateStatus.APPROVED)
    )


@router.post(
    "/updates/{update_id}/return",
    response=UpdateOut,
    summary="Return a submitted update with a note (the group's lead)",
)
def update_return(
    request: HttpRequest, update_id: str, payload: ReturnIn
) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    return update_out(
        update_review(
            user=user, update=update, decision=UpdateStatus.RETURNED, note=payload.note
        )
    )


@router.post(
    "/updates/{update_id}/resubmit",
    response=UpdateOut,
    summary="Correct a returned update and send it again (who submitted it; "
    "JSON, or multipart with more `evidence` files)",
    openapi_extra=_multipart_body(ResubmitIn),
)
def update_send_again(request: HttpRequest, update_id: str) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    payload, evidence = _payload(request, ResubmitIn)
    return update_out(
        update_resubmit(
            user=user,
            update=update,
            value=payload.value,
            narrative=payload.narrative,
            evidence=evidence,
        )
    )


def _draft_figures(update: ProgressUpdate, payload: DraftIn) -> dict[str, Any]:
    given = payload.model_fields_set
    return {
        "value": payload.value if "value" in given else update.value,
        "narrative": payload.narrative
        if "narrative" in given and payload.narrative is not None
        else update.narrative,
    }


@router.patch(
    "/updates/{update_id}",
    response=UpdateOut,
    summary="Change a draft (its author; JSON, or multipart with more `evidence`)",
    openapi_extra=_multipart_body(DraftIn),
)
def update_draft_change(request: HttpRequest, update_id: str) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    payload, evidence = _payload(request, DraftIn)
    return update_out(
        update_draft_save(
            user=user,
            update=update,
            evidence=evidence,
            **_draft_figures(update, payload),
        )
    )


@router.post(
    "/updates/{update_id}/submit",
    response=UpdateOut,
    summary="Send a draft to the group's lead (its author); figures left out "
    "keep the draft's",
    openapi_extra=_multipart_body(DraftIn),
)
def update_draft_send(request: HttpRequest, update_id: str) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    payload, evidence = _payload(request, DraftIn)
    if update.status != UpdateStatus.DRAFT:
        raise invalid("status", _("Solo se envía así un borrador."))
    return update_out(
        update_send(
            user=user,
            update=update,
            evidence=evidence,
            **_draft_figures(update, payload),
        )
    )


@router.delete(
    "/updates/{update_id}",
    response={204: None},
    summary="Discard a draft (its author)",
)
def update_draft_delete(request: HttpRequest, update_id: str) -> Status:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    update_draft_discard(user=user, update=update)
    return Status(204, None)


@router.get(
    "/evidence/{evidence_id}",
    response={200: None},
    summary="Download an evidence file of an update (audited, never cached)",
)
def evidence_file(request: HttpRequest, evidence_id: str) -> FileResponse:
    user = request_user(request)
    evidence = evidence_get_for_user(user=user, evidence_id=evidence_id)
    return evidence_response(evidence_open(user=user, evidence=evidence), evidence)
