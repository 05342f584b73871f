"""`/api/v1/protection/screenings`: the team's screenings, the interview, its
outcome, and opening a file from it.

A screening the token's user may not open is the same 404 as a missing one.
The answers are in the answer only for a token whose key opens the
screening's grant (a decrypting token of its protection staff or of the
interviewer); every read of a held screening is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.errors import NotFound
from remedia.core.kit import request_user
from remedia.core.pagination import DEFAULT_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.protection.api.files import IdentityIn
from remedia.protection.models import Screening
from remedia.protection.selectors.files import files_visible_to
from remedia.protection.selectors.screenings import (
    screening_can_conduct,
    screening_get_for_user,
    screening_list,
)
from remedia.protection.services import screenings as services
from remedia.protection.vocabulary import ScreeningStatus

router = Router(tags=["protection: screenings"])


# --- What comes in ----------------------------------------------------------------------


class ScreeningQuery(Schema):
    status: ScreeningStatus | None = Field(
        None, description="pending, done or dismissed."
    )
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class ScreeningStartIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only by someone in two protection teams."
    )


class ConductIn(Schema):
    model_config = ConfigDict(extra="forbid")

    conducted_on: date | None = Field(
        None, description="The interview's day (not in the future); today if left out."
    )
    answers: dict[str, Any] = Field(
        ...,
        description="The answers under the engine's keys (remedia/protection/"
        "screening.py): age, age_band, the eleven ILO indicators, free_to_leave, "
        "recruited_or_moved, hours_per_day, longest_block_hours and the work "
        "conditions; yes/no/unknown for the questions.",
    )


class DismissIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(..., max_length=300)


class FileFromScreeningIn(Schema):
    model_config = ConfigDict(extra="forbid")

    identity: IdentityIn
    identified_on: date | None = Field(
        None,
        description="When the person was identified; the interview's day if left out.",
    )


# --- What goes out ----------------------------------------------------------------------


class OrganisationRef(AnswerSchema):
    id: uuid.UUID
    name: str


class OutcomeOut(AnswerSchema):
    child_labour: str
    forced_labour: str
    trafficking_possible: bool
    findings: list[str]


class ScreeningOut(AnswerSchema):
    id: uuid.UUID
    organisation: OrganisationRef
    status: str
    report_id: uuid.UUID | None
    case_id: uuid.UUID | None
    file_id: uuid.UUID | None = Field(
        None, description="Only for a reader of the file."
    )
    file_opened: bool
    created_at: datetime
    conducted_on: date | None
    conducted_by: str | None
    dismissed_reason: str
    outcome: OutcomeOut | None
    can_conduct: bool


class ScreeningListOut(AnswerSchema):
    items: list[ScreeningOut]
    count: int


class ScreeningDetailOut(ScreeningOut):
    answers: dict[str, Any] | None = Field(
        None, description="Only for a token whose key opens the screening."
    )
    assessment: dict[str, Any] | None = Field(
        None, description="The engine's answer today, with its texts."
    )


class FileRefOut(AnswerSchema):
    id: uuid.UUID
    number: str


# --- Building answers --------------------------------------------------------------------


def _summary(
    screening: Screening, *, viewer: User, readable_files: set[Any]
) -> dict[str, Any]:
    done = screening.status == ScreeningStatus.DONE
    return {
        "id": screening.pk,
        "organisation": {
            "id": screening.organisation_id,
            "name": screening.organisation.name,
        },
        "status": screening.status,
        "report_id": screening.report_id,
        "case_id": screening.case_id,
        "file_id": screening.file_id if screening.file_id in readable_files else None,
        "file_opened": screening.file_id is not None,
        "created_at": screening.created_at,
        "conducted_on": screening.conducted_on,
        "conducted_by": screening.conducted_by.username
        if screening.conducted_by
        else None,
        "dismissed_reason": screening.dismissed_reason,
        "outcome": {
            "child_labour": screening.child_labour,
            "forced_labour": screening.forced_labour,
            "trafficking_possible": screening.trafficking_possible,
            "findings": list(screening.findings),
        }
        if done
        else None,
        "can_conduct": screening.status == ScreeningStatus.PENDING
        and screening_can_conduct(user=viewer, screening=screening),
    }


def _readable_files(viewer: User, screenings: list[Screening]) -> set[Any]:
    ids = [s.file_id for s in screenings if s.file_id is not None]
    if not ids:
        return set()
    return set(
        files_visible_to(user=viewer).filter(pk__in=ids).values_list("pk", flat=True)
    )


def _screening(request: HttpRequest, screening_id: str) -> Screening:
    return screening_get_for_user(user=request_user(request), screening_id=screening_id)


def _detail(request: HttpRequest, screening: Screening) -> dict[str, Any]:
    viewer = request_user(request)
    body = _summary(
        screening, viewer=viewer, readable_files=_readable_files(viewer, [screening])
    )
    if screening.status == ScreeningStatus.DONE:
        opened = services.screening_read(
            screening=screening,
            user=viewer,
            user_private_key=keys.request_private_key(request),
        )
        if opened.interview is not None and opened.assessment is not None:
            body["answers"] = opened.interview.as_answers()
            body["assessment"] = opened.assessment.as_json()
    return body


# --- Operations ----------------------------------------------------------------------------


@router.get(
    "/screenings",
    response=ScreeningListOut,
    summary="The screenings the token's user may open, newest first",
)
def screenings_list(
    request: HttpRequest, query: Query[ScreeningQuery]
) -> dict[str, Any]:
    viewer = request_user(request)
    items, count = paginate(
        screening_list(
            viewer=viewer, status=query.status.value if query.status else None
        ),
        limit=query.limit,
        offset=query.offset,
    )
    files = _readable_files(viewer, items)
    return {
        "items": [_summary(s, viewer=viewer, readable_files=files) for s in items],
        "count": count,
    }


@router.post(
    "/screenings",
    response={201: ScreeningDetailOut},
    summary="Start a screening without a report (a protection worker)",
)
def screening_start(
    request: HttpRequest, payload: ScreeningStartIn
) -> Status[dict[str, Any]]:
    screening = services.screening_start(
        user=request_user(request), organisation_id=payload.organisation_id
    )
    return Status(201, _detail(request, screening))


@router.get(
    "/screenings/{screening_id}",
    response=ScreeningDetailOut,
    summary="One screening; its answers and assessment for a token whose key "
    "opens it (audited)",
)
def screening_detail(request: HttpRequest, screening_id: str) -> dict[str, Any]:
    return _detail(request, _screening(request, screening_id))


@router.post(
    "/screenings/{screening_id}/conduct",
    response=ScreeningDetailOut,
    summary="Hold the interview: the answers (sealed) and the engine's outcome",
)
def screening_conduct(
    request: HttpRequest, screening_id: str, payload: ConductIn
) -> dict[str, Any]:
    screening = services.screening_conduct(
        screening=_screening(request, screening_id),
        user=request_user(request),
        answers=payload.answers,
        conducted_on=payload.conducted_on,
    )
    return _detail(request, screening)


@router.post(
    "/screenings/{screening_id}/dismiss",
    response=ScreeningDetailOut,
    summary="Dismiss a pending screening, with the reason",
)
def screening_dismiss(
    request: HttpRequest, screening_id: str, payload: DismissIn
) -> dict[str, Any]:
    screening = services.screening_dismiss(
        screening=_screening(request, screening_id),
        user=request_user(request),
        reason=payload.reason,
    )
    return _detail(request, screening)


@router.post(
    "/screenings/{screening_id}/file",
    response={201: FileRefOut},
    summary="Open a victim file from a held screening (a protection worker)",
)
def screening_file(
    request: HttpRequest, screening_id: str, payload: FileFromScreeningIn
) -> Status[dict[str, Any]]:
    viewer = request_user(request)
    screening = _screening(request, screening_id)
    if screening.organisation_id not in organisations_for(
        user=viewer, capability=Capability.PROTECTION_WRITE
    ):
        # A handler who held the interview sees the screening, never a file.
        raise NotFound()
    file = services.screening_file_open(
        screening=screening,
        user=viewer,
        user_private_key=keys.request_private_key(request),
        identity=payload.identity.model_dump(),
        identified_on=payload.identified_on,
    )
    return Status(201, {"id": file.pk, "number": file.number})
