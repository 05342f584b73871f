"""The versioned REST API: one NinjaAPI, one place that maps errors to responses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from remedia.accounts import scopes
from remedia.accounts.api import BearerToken
from remedia.accounts.api import router as accounts_router
from remedia.analytics.api import router as analytics_router
from remedia.cases.api import router as cases_router
from remedia.cases.reporter_api import router as cases_reporter_router
from remedia.config.openapi import openapi_conventions
from remedia.coordination.api import router as coordination_router
from remedia.core import idempotency
from remedia.core.errors import ApplicationError
from remedia.facilities.api import router as facilities_router
from remedia.intake.api import intake_router
from remedia.intake.api import staff_router as reports_router
from remedia.integrations.api import router as webhooks_router
from remedia.integrations.token_api import router as partner_tokens_router
from remedia.notifications.api import router as notifications_router
from remedia.protection.api import router as protection_router
from remedia.remediation.api import router as remediation_router
from remedia.remediation.sanctions_api import router as sanctions_router
from remedia.remediation.survey_api import router as surveys_router
from remedia.remediation.training_api import router as course_training_router
from remedia.rrm.api import router as rrm_router
from remedia.rrm.staff_api import router as rrm_staff_router
from remedia.training.api import router as training_router

DESCRIPTION = """\
Remedia's REST API, version 1. Every answer is JSON unless the operation says
otherwise (files, PDF, XLSX).

## Authentication

- **Staff token**: `Authorization: Bearer <token>`, printed by
  `remedia issue-token USERNAME`. Each operation answers only with what the
  token's user may see; another organisation's object answers 404, exactly as
  a missing one.
- **Partner tokens** (`Bearer rmp_...`, an organisation's, made by its
  administrators at `/staff/integraciones/tokens/`) use the same header and
  reach only the operations whose `x-scopes` name one of their scopes
  (`registry:read`, `registry:write`, `reports:submit`, `rrm:read`,
  `remediation:read`); every other answers like a missing object (404).
  Expired or revoked: 401; over the token's rate limit: 429 with `Retry-After`.
- **Receipt**: `Authorization: Receipt <16 digits>` on the worker's
  `/intake/me...` operations. A wrong receipt is 401, the same answer and time
  whether or not a report exists; repeated failures are throttled (429 with
  `Retry-After`).
- Operations without a lock in this document take no credential (the report
  form, the facility picker, the public RRM record, worker surveys).

## Idempotency-Key

Every POST accepts an `Idempotency-Key` header (1 to 255 visible ASCII
characters; use a UUID v4). For 24 hours, the same caller (the same token or
receipt; without a credential, the key itself) sending the same key with the
same method, path and body gets the first answer again, status and body, with
`Idempotent-Replayed: true`, and nothing runs twice. The same key with another
request answers 422; a second request while the first with the key still runs
answers 409 with `Retry-After`. Only successful answers (2xx) are kept: after a
failure the key is free and a retry runs again. Answers are kept encrypted so
that only the caller that sent the request can read them back.

## Conventions

- Lists answer `{"items": [...], "count": N}` and take `limit` (1 to 200,
  50 by default) and `offset` (the facility picker answers its 20 best matches
  in the same shape, unpaged); filters are query parameters named after the
  field they filter (`status`, `facility_id`, ...).
- Errors answer `{"detail": "...", "errors": [{"field": "...", "reason":
  "..."}]}` in the caller's language (`Accept-Language`);
  `errors` is there when the problem is in named fields. 401: no valid
  credential; 404: missing, or not the caller's to see; 409: a conflict (the
  object changed, or an Idempotency-Key in use); 422: bad input, nothing
  stored; 429: too many requests, see `Retry-After`.
- Times are UTC in ISO 8601 (`2026-12-07T09:05:00Z`); dates are `YYYY-MM-DD`.
"""


class RemediaAPI(NinjaAPI):
    """The API whose OpenAPI document states the conventions every operation
    shares (errors, Idempotency-Key, authentication), see `openapi_conventions`."""

    def get_openapi_schema(
        self,
        *,
        path_prefix: str | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> Any:
        schema = super().get_openapi_schema(
            path_prefix=path_prefix, path_params=path_params
        )
        return openapi_conventions(schema)


api = RemediaAPI(
    title="Remedia API",
    version="1",
    description=DESCRIPTION,
    auth=BearerToken(),
    urls_namespace="api",
)
# Idempotency-Key on every POST: one wrapper around each operation's run (it
# keeps the answer), one around its view (it claims the key, after the
# credential and the input are checked). See remedia/core/idempotency.py.
api.add_decorator(idempotency.operation_wrap, mode="view")
api.add_decorator(idempotency.view_wrap, mode="operation")
# Partner tokens reach only the operations that grant one of their scopes.
scopes.install(api)


def _field_reason(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    reasons = {
        "missing": _("Este campo es obligatorio."),
        "string_too_long": _("Es demasiado largo (máximo %(n)s caracteres).")
        % {"n": ctx.get("max_length", "?")},
        "string_too_short": _("Es demasiado corto (mínimo %(n)s caracteres).")
        % {"n": ctx.get("min_length", "?")},
        "string_type": _("Debe ser texto."),
        "int_parsing": _("Debe ser un número entero."),
        "int_type": _("Debe ser un número entero."),
        "bool_parsing": _("Debe ser verdadero o falso."),
        "bool_type": _("Debe ser verdadero o falso."),
        "decimal_parsing": _("Debe ser un número."),
        "decimal_type": _("Debe ser un número."),
        "float_parsing": _("Debe ser un número."),
        "float_type": _("Debe ser un número."),
        "finite_number": _("Debe ser un número."),
        "decimal_max_places": _("Tiene demasiados decimales (máximo %(n)s).")
        % {"n": ctx.get("decimal_places", "?")},
        "date_from_datetime_parsing": _("Debe ser una fecha AAAA-MM-DD."),
        "date_parsing": _("Debe ser una fecha AAAA-MM-DD."),
        "date_type": _("Debe ser una fecha AAAA-MM-DD."),
        "time_parsing": _("Debe ser una hora HH:MM."),
        "time_type": _("Debe ser una hora HH:MM."),
        "uuid_parsing": _("Debe ser un identificador válido."),
        "uuid_type": _("Debe ser un identificador válido."),
        "list_type": _("Debe ser una lista."),
        "too_long": _("Tiene demasiados elementos."),
        "too_short": _("Tiene muy pocos elementos."),
        "extra_forbidden": _("Este campo no se admite."),
        "json_invalid": _("El cuerpo no es JSON válido."),
        "model_attributes_type": _("El cuerpo debe ser un objeto JSON."),
        "dict_type": _("El cuerpo debe ser un objeto JSON."),
        "greater_than_equal": _("Debe ser mayor o igual a %(n)s.")
        % {"n": ctx.get("ge", "?")},
        "less_than_equal": _("Debe ser menor o igual a %(n)s.")
        % {"n": ctx.get("le", "?")},
        # A choice outside a list (a filter's status, category, channel).
        "enum": _("No es un valor admitido. Valores admitidos: %(values)s.")
        % {"values": str(ctx.get("expected", "?")).replace(" or ", ", ")},
        "literal_error": _("No es un valor admitido. Valores admitidos: %(values)s.")
        % {"values": str(ctx.get("expected", "?")).replace(" or ", ", ")},
    }
    if kind in reasons:
        return reasons[kind]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", _("Valor no válido.")))


def _field_name(loc: Any) -> str:
    # Ninja puts the source first ("body", "query", "path") and the schema's
    # parameter name second; the client knows neither. Only those leading parts
    # go: a field may itself be called "body" (a message's text).
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form", "file"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "data", "body_in", "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(e.get("loc", ())), "reason": _field_reason(e)}
        for e in exc.errors
    ]
    return api.create_response(
        request,
        {"detail": _("Hay datos que no son válidos."), "errors": errors},
        status=422,
    )


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    body: dict[str, Any] = {"detail": str(exc.message)}
    if "errors" in exc.extra:
        body["errors"] = [
            {"field": e["field"], "reason": str(e["reason"])}
            for e in exc.extra["errors"]
        ]
    elif "field" in exc.extra:
        body["errors"] = [{"field": exc.extra["field"], "reason": str(exc.message)}]
    response = api.create_response(request, body, status=exc.status_code)
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Credenciales ausentes o no válidas.")}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # Ninja's "Cannot parse request body": a body that is not JSON.
        return api.create_response(
            request,
            {
                "detail": _("Hay datos que no son válidos."),
                "errors": [
                    {"field": "body", "reason": _("El cuerpo no es JSON válido.")}
                ],
            },
            status=422,
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/", accounts_router)
api.add_router("/", notifications_router)
api.add_router("/", facilities_router)
api.add_router("/intake", intake_router)
api.add_router("/intake", cases_reporter_router)
api.add_router("/", reports_router)
api.add_router("/", cases_router)
api.add_router("/rrm", rrm_router)
api.add_router("/rrm", rrm_staff_router)
api.add_router("/remediation", remediation_router)
api.add_router("/remediation", surveys_router)
api.add_router("/remediation", training_router)
api.add_router("/remediation", course_training_router)
api.add_router("/remediation", sanctions_router)
api.add_router("/protection", protection_router)
api.add_router("/analytics", analytics_router)
api.add_router("/coordination", coordination_router)
api.add_router("/", webhooks_router)
api.add_router("/", partner_tokens_router)
