"""The facility registry's API: the report form's picker (no login), and the
registry for staff and other systems: one facility, create and change, list
imports as jobs, and the export in Open Supply Hub's columns."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import scopes
from remedia.accounts.permissions import Capability
from remedia.accounts.principals import is_partner
from remedia.accounts.scopes import Scope
from remedia.accounts.selectors import user_can
from remedia.core import idempotency
from remedia.core.errors import (
    ApplicationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from remedia.core.geo import state_code
from remedia.core.kit import invalid, request_user
from remedia.core.tables import TableRejected, table_kind
from remedia.facilities import exporting, forms, selectors, services, tasks
from remedia.facilities.models import Facility, ImportStatus

router = Router(tags=["facilities"])


class FacilityMatchOut(Schema):
    id: uuid.UUID
    public_id: str
    name: str
    municipality: str
    state: str


class FacilityMatchList(Schema):
    items: list[FacilityMatchOut]
    count: int


class FacilitySearchQuery(Schema):
    q: str = ""
    state: str | None = None


@router.get(
    "/facilities",
    auth=None,
    response=FacilityMatchList,
    summary="Up to 20 best matches for the report form's facility picker",
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_search(
    request: HttpRequest, query: Query[FacilitySearchQuery]
) -> dict[str, Any]:
    # An unknown state matches nothing (the selector reads names and codes).
    found = selectors.facility_search(q=query.q[:200], state=query.state or None)
    # Plain dicts: the schema checks them once, on the way out (building
    # FacilityMatchOut objects first validated every item twice).
    items = [
        {
            "id": f.id,
            "public_id": f.public_id,
            "name": f.name,
            "municipality": f.municipality,
            "state": f.state,
        }
        for f in found
    ]
    return {"items": items, "count": len(items)}


# --- The registry for staff and other systems (issue 19, item 4) --------------------
#
# Reads, writes, list imports and the export, through the services, matcher and
# import job the staff pages use. Each endpoint asks `_caller` once, with what
# it needs (`_READ`, `_EDIT`, `_IMPORT`): the capability a staff role must
# hold, and the partner-token scope that will grant the same (issue 19, item
# 2; its check joins `_caller`, one line). Who may not read the registry gets
# 404, as for a missing facility; a reader who may not edit gets 403 on a
# write (the pages answer so: editing is no secret to a reader); imports are
# 404 to anyone who may not import, as their pages are.


@dataclass(frozen=True)
class _Need:
    capability: Capability
    scope: str
    refused: Callable[[], ApplicationError]


_READ = _Need(Capability.FACILITY_READ, "registry:read", NotFound)
_EDIT = _Need(Capability.FACILITY_WRITE, "registry:write", PermissionDenied)
_IMPORT = _Need(Capability.FACILITY_WRITE, "registry:write", NotFound)


def _caller(request: HttpRequest, need: _Need) -> Any:
    """The caller, if it may do what `need` says; refused otherwise."""
    user = request_user(request)
    if not user_can(user=user, capability=Capability.FACILITY_READ):
        raise NotFound()
    if not user_can(user=user, capability=need.capability):
        raise need.refused()
    return user


def _source(user: Any) -> str:
    return f"api:{user.get_username()}"[:120]


class FacilityOut(Schema):
    id: uuid.UUID
    public_id: str
    name: str
    legal_name: str
    address: str
    municipality: str
    state: str
    sector: str
    workers: int | None
    unions: str
    employer_group: str
    os_id: str
    external_id: str
    lat: float | None
    lng: float | None
    status: str
    merged_into: str | None = Field(
        None, description="Public id of the record this one was merged into."
    )
    version: str = Field(
        description="Changes whenever the facility does; send it back as "
        "`If-Match` (or `version`) with a change."
    )
    created_at: datetime
    updated_at: datetime


def _facility_out(facility: Facility) -> dict[str, Any]:
    merged = facility.merged_into if facility.merged_into_id else None
    return {
        "id": facility.pk,
        "public_id": facility.public_id,
        "name": facility.name,
        "legal_name": facility.legal_name,
        "address": facility.address,
        "municipality": facility.municipality,
        "state": facility.state,
        "sector": facility.sector,
        "workers": facility.workers,
        "unions": facility.unions,
        "employer_group": facility.employer_group,
        "os_id": facility.os_id,
        "external_id": facility.external_id,
        "lat": None if facility.lat is None else float(facility.lat),
        "lng": None if facility.lng is None else float(facility.lng),
        "status": facility.status,
        "merged_into": merged.public_id if merged is not None else None,
        "version": services.facility_version(facility),
        "created_at": facility.created_at,
        "updated_at": facility.updated_at,
    }


def _etag(facility: Facility) -> str:
    return f'"{services.facility_version(facility)}"'


class _Fields(Schema):
    model_config = ConfigDict(extra="forbid")

    legal_name: str | None = Field(None, max_length=255)
    address: str | None = Field(None, max_length=500)
    municipality: str | None = Field(None, max_length=120)
    sector: str | None = Field(None, max_length=120)
    workers: int | None = Field(None, ge=0, le=1_000_000)
    unions: str | None = Field(None, max_length=500)
    employer_group: str | None = Field(None, max_length=255)
    os_id: str | None = Field(None, max_length=32)
    external_id: str | None = Field(None, max_length=64)
    lat: Decimal | None = Field(None, ge=-90, le=90, decimal_places=6)
    lng: Decimal | None = Field(None, ge=-180, le=180, decimal_places=6)
    distinct: bool = Field(
        False,
        description="The caller's word that this is another facility than the "
        "near matches a 409 named: store it anyway (the decision is remembered).",
    )


class FacilityIn(_Fields):
    name: str = Field(max_length=255)
    state: str = Field(
        max_length=60, description="ISO 3166-2:MX code (MX-PUE) or the state's name."
    )


class FacilityPatch(_Fields):
    name: str | None = Field(None, max_length=255)
    state: str | None = Field(None, max_length=60)
    status: Literal["active", "closed", "moved"] | None = None
    version: str | None = Field(
        None, description="The version read; `If-Match` says the same."
    )


class NearMatchCandidate(Schema):
    id: uuid.UUID
    public_id: str
    name: str
    legal_name: str
    municipality: str
    state: str
    score: float


class NearMatchOut(Schema):
    detail: str
    match: str = Field(
        description="How the matcher found them: exact, remembered, auto or review."
    )
    candidates: list[NearMatchCandidate]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


# Text fields whose absence (null) means "empty".
_TEXT = ("legal_name", "address", "municipality", "sector", "unions")
_TEXT_MORE = ("employer_group", "os_id", "external_id")


def _changes(payload: Schema, *, unset: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=unset)
    data.pop("distinct", None)
    data.pop("version", None)
    for name in (*_TEXT, *_TEXT_MORE):
        if name in data and data[name] is None:
            data[name] = ""
    if not unset:
        data = {k: v for k, v in data.items() if v not in (None, "")}
    return data


def _near_match(exc: services.NearMatch) -> Status:
    return Status(
        409,
        {
            "detail": str(exc.message),
            "match": exc.kind,
            "candidates": [
                {
                    "id": f.pk,
                    "public_id": f.public_id,
                    "name": f.name,
                    "legal_name": f.legal_name,
                    "municipality": f.municipality,
                    "state": f.state,
                    "score": round(score, 4),
                }
                for f, score in exc.candidates
            ],
        },
    )


@router.post(
    "/facilities",
    response={201: FacilityOut, 403: ErrorOut, 409: NearMatchOut, 422: ErrorOut},
    summary="Register a facility (a near match answers 409 with the candidates)",
    description=(
        "Needs the right to edit the registry (scope `registry:write`). The record "
        "is matched as an import's row is: when the registry has a facility like "
        "it, nothing is stored and the answer is 409 with the candidates (id, "
        "public id, name, score); send it again with `distinct: true` if it is "
        "another facility. `name` and `state` are required; bad input is 422 with "
        "the field and the reason."
    ),
)
@scopes.grants(Scope.REGISTRY_WRITE)
def facility_create(
    request: HttpRequest, payload: FacilityIn, response: HttpResponse
) -> Any:
    user = _caller(request, _EDIT)
    try:
        facility = services.facility_create_checked(
            data=_changes(payload, unset=False),
            actor=user,
            source=_source(user),
            distinct=payload.distinct,
        )
    except services.NearMatch as exc:
        return _near_match(exc)
    response["ETag"] = _etag(facility)
    response["Location"] = f"{request.path.rstrip('/')}/{facility.pk}"
    return Status(201, _facility_out(facility))


# --- Export in Open Supply Hub's columns ------------------------------------------------

EXPORT_MAX_LIMIT = 10_000
# Past any registry's size; bounded so that the database is never asked for more.
EXPORT_MAX_OFFSET = 100_000_000


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class ExportQuery(Schema):
    state: str | None = Field(None, description="ISO 3166-2:MX code or name.")
    include_merged: bool = False
    limit: int | None = Field(
        None,
        ge=1,
        le=EXPORT_MAX_LIMIT,
        description="A page of this many; without it, the whole registry, streamed.",
    )
    offset: int = Field(0, ge=0, le=EXPORT_MAX_OFFSET)


_EXPORT_DESCRIPTION = (
    "The registry in Open Supply Hub's list columns (`os_id`, `name`, `address`, "
    "`country`, `sector`, `number_of_workers`, `parent_company`, `facility_type`, "
    "`processing_type`, `product_type`, `lat`, `lng`, `is_closed`), then "
    "Remedia's `remedia_id` and `state`. Streamed whole, or a page with "
    "`limit`/`offset` (JSON: `count` is the total). Scope `registry:read`."
)


def _export(request: HttpRequest, query: ExportQuery, fmt: ExportFormat) -> Any:
    user = _caller(request, _READ)
    state = None
    if query.state:
        state = state_code(query.state)
        if state is None:
            raise invalid(
                "state",
                _(
                    "Estado desconocido: «%(value)s». Escriba el nombre del "
                    "estado o su código ISO 3166-2:MX (p. ej. MX-PUE)."
                )
                % {"value": query.state[:60]},
            )
    facilities = selectors.facility_export(
        viewer=user,
        fields=exporting.FIELDS,
        state=state,
        include_merged=query.include_merged,
    )
    total = facilities.count() if fmt == ExportFormat.JSON else None
    if query.limit is not None:
        facilities = facilities[query.offset : query.offset + query.limit]
    elif query.offset:
        facilities = facilities[query.offset :]
    if fmt == ExportFormat.CSV:
        response = StreamingHttpResponse(
            exporting.csv_stream(facilities), content_type="text/csv; charset=utf-8"
        )
        name = "registro-centros.csv"
    else:
        head = {"count": total, "offset": query.offset, "limit": query.limit}
        response = StreamingHttpResponse(
            exporting.json_stream(facilities, head=head),
            content_type="application/json; charset=utf-8",
        )
        name = "registro-centros.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


_EXPORT_RESPONSES: dict[int, Any] = {
    200: None,
    404: ErrorOut,
    422: ErrorOut,
}


@router.get(
    "/facilities/export.csv",
    response=_EXPORT_RESPONSES,
    summary="The registry as CSV in Open Supply Hub's columns",
    description=_EXPORT_DESCRIPTION,
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_export_csv(request: HttpRequest, query: Query[ExportQuery]) -> Any:
    return _export(request, query, ExportFormat.CSV)


@router.get(
    "/facilities/export.json",
    response=_EXPORT_RESPONSES,
    summary="The registry as JSON in Open Supply Hub's columns",
    description=_EXPORT_DESCRIPTION,
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_export_json(request: HttpRequest, query: Query[ExportQuery]) -> Any:
    return _export(request, query, ExportFormat.JSON)


@router.get(
    "/facilities/export",
    response=_EXPORT_RESPONSES,
    summary="The registry in Open Supply Hub's columns (`format`: csv or json)",
    description=_EXPORT_DESCRIPTION,
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_export(
    request: HttpRequest,
    query: Query[ExportQuery],
    format: ExportFormat = ExportFormat.JSON,  # noqa: A002 (the query's name)
) -> Any:
    return _export(request, query, format)


# --- List imports as jobs ---------------------------------------------------------------

IMPORT_MAX_BYTES = forms.IMPORT_MAX_MB * 1024 * 1024
# Rows' errors an import's answer lists (a file may have thousands).
IMPORT_ERRORS_SHOWN = 1000
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_TYPES = {_XLSX, "application/vnd.ms-excel.sheet.macroenabled.12"}
_CSV_TYPES = {"text/csv", "text/plain", "text/tab-separated-values"}
# Types that say nothing of the content: the content decides.
_ANY_TYPES = {"", "application/octet-stream", "application/vnd.ms-excel"}
_TRUE = {"1", "true", "on", "yes", "si", "sí"}
_FALSE = {"", "0", "false", "off", "no"}

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "dry_run": {"type": "boolean"},
                    },
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            _XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


class ImportQueuedOut(Schema):
    id: uuid.UUID
    status: str
    dry_run: bool
    url: str


class ImportCounts(Schema):
    created: int
    matched: int
    updated: int
    review: int
    rejected: int


class ImportError_(Schema):
    row: int | None
    field: str
    reason: str


class ImportRowOut(Schema):
    row: int
    action: str
    how: str
    name: str
    facility: str
    facility_name: str
    score: float | None
    changes: list[str]


class ImportOut(Schema):
    id: uuid.UUID
    file_name: str
    dry_run: bool
    status: str
    total_rows: int
    processed_rows: int
    counts: ImportCounts
    errors: list[ImportError_]
    errors_count: int
    rows: list[ImportRowOut] = Field(
        description="What happened (or would, in a dry run) to the first rows, "
        "kept a day after the import."
    )
    created_at: datetime
    finished_at: datetime | None


def _too_large() -> InvalidInput:
    return invalid(
        "file",
        _("El archivo pesa más de %(mb)d MB; divídalo en partes.")
        % {"mb": forms.IMPORT_MAX_MB},
    )


def _flag(value: str, *, field: str) -> bool:
    folded = (value or "").strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise invalid(field, _("Debe ser verdadero o falso."))


def _import_upload_handlers(request: HttpRequest) -> list[Any]:
    return [forms.ImportUploadHandler(request)]


def _uploaded(
    request: HttpRequest, *, file_name: str
) -> tuple[bytes, str, bool | None]:
    """The file of a list import, from a multipart form (`file`, `dry_run`) or
    the body itself; kept in memory up to the import's limit, never on disk."""
    content_type = (request.content_type or "").lower()
    if content_type.startswith("multipart/"):
        if not hasattr(request, "_files"):  # an Idempotency-Key's check read it first
            request.upload_handlers = _import_upload_handlers(request)
        try:
            upload = request.FILES.get("file")
            dry_run = request.POST.get("dry_run")
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent):
            raise invalid(
                "file", _("El formulario no se pudo leer: envíe el archivo en «file».")
            ) from None
        if upload is None:
            raise invalid("file", _("Elija el archivo CSV o XLSX que quiere importar."))
        if getattr(upload, "too_large", False) or (upload.size or 0) > IMPORT_MAX_BYTES:
            raise _too_large()
        flag = None if dry_run is None else _flag(dry_run, field="dry_run")
        return upload.read(), upload.name or file_name, flag
    if content_type not in _CSV_TYPES | _XLSX_TYPES | _ANY_TYPES:
        raise invalid("file", _("Solo se pueden importar archivos CSV o XLSX (Excel)."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > IMPORT_MAX_BYTES:
        raise _too_large()
    data = request.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise _too_large()
    if not file_name:
        file_name = (
            "lista.xlsx"
            if content_type in _XLSX_TYPES
            else "lista.csv"
            if content_type in _CSV_TYPES
            else ""
        )
    return data, file_name, None


@router.post(
    "/facilities/imports",
    response={202: ImportQueuedOut, 404: ErrorOut, 422: ErrorOut},
    summary="Import a list of facilities (CSV or XLSX) as a job; 202 with its id",
    description=(
        "The file as multipart `file` (with `dry_run`), or as the body itself "
        "(`Content-Type: text/csv` or the XLSX type; `?dry_run=true`, and "
        "`?file_name=`). The columns of `remedia import-facilities`. The import "
        "runs as a job, whole or not at all, as from the staff page: follow it at "
        "`GET /facilities/imports/{id}`. A file that is empty, too large "
        f"(over {forms.IMPORT_MAX_MB} MB) or neither CSV nor XLSX is 422 at once. "
        "Needs the right to import (scope `registry:write`)."
    ),
    openapi_extra=_IMPORT_BODY,
)
@scopes.grants(Scope.REGISTRY_WRITE)
@idempotency.reads_uploads_with(_import_upload_handlers)
def facility_import_start(
    request: HttpRequest,
    response: HttpResponse,
    dry_run: bool = False,
    file_name: str = "",
) -> Any:
    user = _caller(request, _IMPORT)
    data, name, form_dry_run = _uploaded(request, file_name=file_name[:255])
    if not data:
        raise invalid("file", _("El archivo está vacío."))
    try:
        table_kind(data=data, file_name=name)
    except TableRejected as exc:
        raise invalid("file", exc.reason) from None
    facility_import = services.facility_import_queue(
        data=data,
        file_name=name or "lista",
        dry_run=dry_run if form_dry_run is None else form_dry_run,
        created_by=None if is_partner(user) else user,
    )
    # As from the staff page: the job reads the file kept with the import.
    tasks.facility_import_job(
        str(facility_import.pk), None, get_language() or settings.LANGUAGE_CODE
    )
    facility_import.refresh_from_db()
    url = f"{request.path.rstrip('/')}/{facility_import.pk}"
    response["Location"] = url
    return Status(
        202,
        {
            "id": facility_import.pk,
            "status": facility_import.status,
            "dry_run": facility_import.dry_run,
            "url": url,
        },
    )


@router.get(
    "/facilities/imports/{import_id}",
    response={200: ImportOut, 404: ErrorOut},
    summary="An import's progress and result",
    description=(
        "`status` pending, running, done or failed; `processed_rows` of "
        "`total_rows` while it runs; then the counts and, for a refused file, "
        "each rejected row's number (the header is row 1), field and reason; "
        "nothing of a refused file is kept. Scope `registry:write`."
    ),
)
@scopes.grants(Scope.REGISTRY_WRITE)
def facility_import_detail(request: HttpRequest, import_id: str) -> Any:
    user = _caller(request, _IMPORT)
    facility_import = selectors.facility_import_get_for_user(
        viewer=user, import_id=import_id
    )
    errors = list(facility_import.errors or [])
    finished = facility_import.status in (ImportStatus.DONE, ImportStatus.FAILED)
    rows = (
        selectors.facility_import_preview(facility_import=facility_import)
        if facility_import.status == ImportStatus.DONE
        else []
    )
    return {
        "id": facility_import.pk,
        "file_name": facility_import.file_name,
        "dry_run": facility_import.dry_run,
        "status": facility_import.status,
        "total_rows": facility_import.total_rows,
        "processed_rows": facility_import.processed_rows,
        "counts": {
            "created": facility_import.created_count,
            "matched": facility_import.matched_count,
            "updated": facility_import.updated_count,
            "review": facility_import.review_count,
            "rejected": facility_import.rejected_count,
        },
        "errors": [
            {
                "row": e.get("row"),
                "field": str(e.get("field") or ""),
                "reason": str(e.get("reason") or ""),
            }
            for e in errors[:IMPORT_ERRORS_SHOWN]
        ],
        "errors_count": len(errors),
        "rows": rows if finished else [],
        "created_at": facility_import.created_at,
        "finished_at": facility_import.finished_at,
    }


# --- One facility -----------------------------------------------------------------------


@router.get(
    "/facilities/{facility_id}",
    response={200: FacilityOut, 404: ErrorOut},
    summary="One facility of the registry (a merged one names the record it lives on in)",
    description="Its `version` is also the `ETag`. Scope `registry:read`.",
)
@scopes.grants(Scope.REGISTRY_READ)
def facility_detail(
    request: HttpRequest, facility_id: str, response: HttpResponse
) -> Any:
    user = _caller(request, _READ)
    facility = selectors.facility_get_for_user(viewer=user, facility_id=facility_id)
    response["ETag"] = _etag(facility)
    return _facility_out(facility)


@router.patch(
    "/facilities/{facility_id}",
    response={
        200: FacilityOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: NearMatchOut,
        412: ErrorOut,
        422: ErrorOut,
    },
    summary="Change a facility (optimistic: `If-Match` with its version)",
    description=(
        "Only the fields sent change (`status`: active, closed or moved). With "
        "`If-Match` (or `version`), a facility changed since it was read is 412 "
        "and nothing is stored. A change of name or place that makes it look "
        "like another facility is 409 with the candidates, unless `distinct`. "
        "A merged record is 400 (change the one it was merged into). Scope "
        "`registry:write`."
    ),
)
@scopes.grants(Scope.REGISTRY_WRITE)
def facility_change(
    request: HttpRequest,
    facility_id: str,
    payload: FacilityPatch,
    response: HttpResponse,
) -> Any:
    user = _caller(request, _EDIT)
    facility = selectors.facility_get_for_user(viewer=user, facility_id=facility_id)
    version = (request.headers.get("If-Match") or "").strip()
    if version.startswith("W/"):
        version = version[2:]
    version = version.strip('"')
    if version in ("", "*"):
        version = payload.version or ""
    try:
        facility = services.facility_update_checked(
            facility=facility,
            changes=_changes(payload, unset=True),
            actor=user,
            source=_source(user),
            distinct=payload.distinct,
            version=version or None,
        )
    except services.NearMatch as exc:
        return _near_match(exc)
    facility = selectors.facility_get_for_user(viewer=user, facility_id=facility.pk)
    response["ETag"] = _etag(facility)
    return Status(200, _facility_out(facility))
