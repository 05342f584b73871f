"""One convention across the REST API, checked on the whole OpenAPI document.

Every operation has a summary and declares its errors in the one error shape;
every POST declares `Idempotency-Key`; every list answers `{"items", "count"}`
and takes `limit` and `offset`; the document says how to authenticate; times
are UTC.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from remedia.config.api import api
from remedia.core.pagination import MAX_LIMIT

ERROR_REF = "#/components/schemas/Error"

# Lists that are not paged, and why. Nothing else may answer a bare array or
# an `items` list without `limit` and `offset`.
UNPAGED = {
    # The report form's picker: the 20 best matches of a search, ranked.
    ("get", "/api/v1/facilities"): "best matches of a search, at most 20",
    # Figures grouped by a dimension: one row per group, never long.
    ("get", "/api/v1/cases/figures"): "figures, one row per group",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _error_shaped(document: dict[str, Any], ref: str) -> bool:
    """The shared error body, or one that says more beside its `detail` (the
    registry's near match lists its candidates)."""
    if ref == ERROR_REF:
        return True
    name = ref.rsplit("/", 1)[-1]
    component = document.get("components", {}).get("schemas", {}).get(name, {})
    return bool(ref) and "detail" in component.get("required", [])


def test_every_operation_has_a_summary_and_declares_its_errors(document) -> None:
    problems = []
    operations = _operations(document)
    assert len(operations) >= 150
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        if not (operation.get("summary") or "").strip():
            problems.append(f"{where}: no summary")
        responses = operation.get("responses", {})
        errors = {s: r for s, r in responses.items() if s.startswith(("4", "5"))}
        if not errors:
            problems.append(f"{where}: no error response declared")
        for status, response in errors.items():
            schema = response.get("content", {}).get("application/json", {})
            if not _error_shaped(document, schema.get("schema", {}).get("$ref", "")):
                problems.append(f"{where}: {status} is not the error shape")
            if not response.get("description"):
                problems.append(f"{where}: {status} has no description")
        if operation.get("security") and "401" not in responses:
            problems.append(f"{where}: takes a credential but declares no 401")
        if "{" in path and "404" not in responses:
            problems.append(f"{where}: has an id but declares no 404")
        if method == "post":
            headers = {
                p["name"]
                for p in operation.get("parameters", [])
                if p.get("in") == "header"
            }
            if "Idempotency-Key" not in headers:
                problems.append(f"{where}: no Idempotency-Key header")
            if not {"409", "422"} <= set(responses):
                problems.append(f"{where}: no 409 and 422 for Idempotency-Key")
    assert problems == []


def test_the_error_shape_is_field_and_reason(document) -> None:
    error = _resolve(document, {"$ref": ERROR_REF})
    assert error["required"] == ["detail"]
    field = _resolve(document, error["properties"]["errors"]["items"])
    assert set(field["required"]) == {"field", "reason"}


def _lists(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """GET operations that answer a list: a bare array, or `items` and `count`."""
    found = []
    for method, path, operation in _operations(document):
        if method != "get":
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = _resolve(document, content["application/json"]["schema"])
        properties = schema.get("properties", {})
        if schema.get("type") == "array" or {"items", "count"} <= set(properties):
            found.append((method, path, operation))
    return found


def test_every_list_endpoint_pages_the_same_way(document) -> None:
    lists = _lists(document)
    assert len(lists) >= 25
    problems = []
    for method, path, operation in lists:
        if (method, path) in UNPAGED:
            continue
        where = f"GET {path}"
        content = operation["responses"]["200"]["content"]["application/json"]
        schema = _resolve(document, content["schema"])
        if schema.get("type") == "array":
            problems.append(f"{where}: a bare array, not items and count")
            continue
        if set(schema["properties"]) != {"items", "count"}:
            problems.append(f"{where}: answers {sorted(schema['properties'])}")
        if _resolve(document, schema["properties"]["items"]).get("type") != "array":
            problems.append(f"{where}: items is not an array")
        if schema["properties"]["count"].get("type") != "integer":
            problems.append(f"{where}: count is not an integer")
        query = {
            p["name"]: p
            for p in operation.get("parameters", [])
            if p.get("in") == "query"
        }
        if not {"limit", "offset"} <= set(query):
            problems.append(f"{where}: no limit and offset")
        elif query["limit"]["schema"].get("default") != 50:
            problems.append(f"{where}: limit's default is not 50")
    assert problems == []
    assert {m for m, _p in UNPAGED} == {"get"}
    assert set(UNPAGED) <= {(m, p) for m, p, _o in lists}


def test_every_list_without_an_id_pages_the_same_way_when_called(
    client, orgs, document
) -> None:
    # Called for real, by a token of each role (a list a role may not open
    # answers 404 like a missing one): limit=0 is refused with the field and
    # its reason, limit=1 answers at most one item and the total.
    from tests.support.actors import staff_member

    tokens = [
        staff_member(orgs.agu, role, role=role).headers
        for role in ("handler", "admin", "analyst", "protection_lead", "coordinator")
    ]
    called = []
    for _method, path, operation in _lists(document):
        if ("get", path) in UNPAGED or "{" in path:
            continue
        required = [
            p["name"]
            for p in operation.get("parameters", [])
            if p.get("required") and p["in"] == "query"
        ]
        assert required == [], path
        headers = next(
            (h for h in tokens if client.get(path, headers=h).status_code == 200),
            None,
        )
        assert headers is not None, f"{path}: no role opens it"
        refused = client.get(path, {"limit": 0}, headers=headers)
        assert refused.status_code == 422, path
        assert refused.json()["errors"] == [
            {"field": "limit", "reason": f"Debe estar entre 1 y {MAX_LIMIT}."}
        ], path
        answer = client.get(path, {"limit": 1, "offset": 0}, headers=headers)
        assert answer.status_code == 200, path
        body = answer.json()
        assert set(body) == {"items", "count"}, path
        assert len(body["items"]) == min(1, body["count"]), path
        called.append(path)
    assert len(called) >= 15, called


def test_the_document_says_how_to_authenticate_and_retry(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    description = document["info"]["description"]
    for words in (
        "Authorization: Bearer <token>",
        "remedia issue-token USERNAME",
        "Partner tokens",
        "Authorization: Receipt <16 digits>",
        "Idempotency-Key",
        "Idempotent-Replayed: true",
        '{"items": [...], "count": N}',
        "UTC",
    ):
        assert words in description, words
    schemes = document["components"]["securitySchemes"]
    assert "Bearer" in schemes["BearerToken"]["description"]
    assert "Receipt" in schemes["ReceiptAuth"]["description"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"openapi.json" in page.content


ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def _times(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _times(v)]
    if isinstance(value, list):
        return [t for v in value for t in _times(v)]
    if isinstance(value, str) and ISO_TIME.match(value):
        return [value]
    return []


def test_times_are_utc_iso_8601(client, agu_handler) -> None:
    from remedia.cases import services as cases
    from remedia.intake import services as intake
    from tests.intake.support import NARRATIVE

    submitted = intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["intimidation"],
            narrative=NARRATIVE,
            state="MX-AGU",
        )
    )
    case = cases.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)
    client.post(
        f"/api/v1/cases/{case.pk}/notes",
        {"body": "Una nota."},
        content_type="application/json",
        headers=agu_handler.headers,
    )
    answers = [
        client.get(url, headers=agu_handler.headers).json()
        for url in (
            "/api/v1/cases",
            f"/api/v1/cases/{case.pk}",
            "/api/v1/reports",
            "/api/v1/notifications",
        )
    ]
    times = _times(answers)
    assert len(times) >= 5
    assert [t for t in times if not t.endswith("Z")] == []
