"""What every operation of the OpenAPI document shares, stated once.

The API answers errors in one place (config/api.py's exception handlers) and
one shape, so the document declares them here for every operation, from what
the operation is: a credential → 401; an id in the path → 404 (missing, or not
the caller's to see); parameters or a body → 422; a POST → its
`Idempotency-Key` header, 409 and 422; a receipt or no credential on a POST →
429. What a view declares itself is kept.
"""

from __future__ import annotations

from typing import Any

from remedia.core import idempotency

ERROR_SCHEMA = "Error"
ERROR_FIELD_SCHEMA = "ErrorField"

_ERROR_COMPONENTS: dict[str, Any] = {
    ERROR_FIELD_SCHEMA: {
        "title": ERROR_FIELD_SCHEMA,
        "type": "object",
        "properties": {
            "field": {
                "type": "string",
                "description": "The field, parameter or header at fault "
                "(`limit`, `categories.0`, `Idempotency-Key`).",
            },
            "reason": {
                "type": "string",
                "description": "Why, in the caller's language.",
            },
        },
        "required": ["field", "reason"],
    },
    ERROR_SCHEMA: {
        "title": ERROR_SCHEMA,
        "type": "object",
        "properties": {
            "detail": {
                "type": "string",
                "description": "What went wrong, in the caller's language.",
            },
            "errors": {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{ERROR_FIELD_SCHEMA}"},
                "description": "One entry per field at fault, when there are any.",
            },
        },
        "required": ["detail"],
    },
}

_ERRORS = {
    "401": "No credential, or one that is not valid.",
    "404": "Not found, or not the caller's to see (the same answer).",
    "409": "A conflict: the object changed since it was read, its state does "
    "not allow this, or a request with the same Idempotency-Key is still "
    "running (see Retry-After).",
    "422": "Bad input, field by field; nothing was stored. Also an "
    "Idempotency-Key that is not valid or was used with another request.",
    "429": "Too many requests; see Retry-After.",
}

_SECURITY_DESCRIPTIONS = {
    "BearerToken": "A staff token (`remedia issue-token USERNAME`) or an "
    "organisation's partner token: `Authorization: Bearer <token>`.",
    "ReceiptAuth": "The worker's receipt: `Authorization: Receipt <16 digits>`.",
}

IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": "Makes a retried POST safe: for 24 hours the same caller "
    "sending the same key and request gets the first answer again (with "
    f"`{idempotency.REPLAYED_HEADER}: true`) and nothing runs twice. Use a "
    "UUID v4.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.KEY_MAX_LENGTH,
        "pattern": "^[\\x21-\\x7e]+$",
    },
}

_REPLAYED_HEADER = {
    idempotency.REPLAYED_HEADER: {
        "description": "`true` when this is the kept answer to an earlier "
        "request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def _error(status: str) -> dict[str, Any]:
    return {
        "description": _ERRORS[status],
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
            }
        },
    }


def _errors_for(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    security = operation.get("security") or []
    schemes = {name for entry in security for name in entry}
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    statuses = []
    if schemes:
        statuses.append("401")
    if "{" in path:
        statuses.append("404")
    if method == "post":
        statuses.append("409")
    if has_input or method == "post":
        statuses.append("422")
    if "ReceiptAuth" in schemes or (method == "post" and not schemes):
        statuses.append("429")
    return statuses


def openapi_conventions(schema: Any) -> Any:
    """The document with every operation's errors, the Idempotency-Key header
    on every POST, and how each kind of credential is presented."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, definition in _ERROR_COMPONENTS.items():
        schemas.setdefault(name, definition)
    for name, scheme in components.get("securitySchemes", {}).items():
        if name in _SECURITY_DESCRIPTIONS:
            scheme["description"] = _SECURITY_DESCRIPTIONS[name]
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            # Ninja keys a view's own answers by int; JSON keys are strings.
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in _errors_for(path, method, operation):
                responses.setdefault(status, _error(status))
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(
                    p.get("in") == "header" and p.get("name") == idempotency.HEADER
                    for p in parameters
                ):
                    parameters.append(dict(IDEMPOTENCY_PARAMETER))
                for status, response in responses.items():
                    if status.startswith("2"):
                        response.setdefault("headers", {}).update(_REPLAYED_HEADER)
    return schema
