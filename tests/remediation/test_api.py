"""The plans API: the contract of PRODUCT.md, pagination, filters, 404 for
strangers, 403 for who may read but not change, 422 for bad input."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.core.audit import AuditEntry
from remedia.remediation import services
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureStatus,
)
from tests.intake.support import jpeg_with_gps
from tests.support.remediation import DEADLINE, INISA_MEASURES, World, course_make

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/remediation/plans"
MEASURE_FIELDS = {
    "id",
    "position",
    "type",
    "description",
    "responsible_party",
    "due_date",
    "required_evidence",
    "status",
    "overdue",
    "status_changed_at",
    "verified_at",
    "failed_reason",
    "evidence_counts",
    "evidence",
    "notes",
    "timeline",
}


def _get(client, url: str, staff, **params):
    return client.get(url, params, headers=staff.headers)


def _post(client, url: str, staff, body: dict):
    return client.post(
        url, body, content_type="application/json", headers=staff.headers
    )


def _measure_url(course: Course, position: int = 1) -> str:
    measure = course.measures.get(position=position)
    return f"{PLANS}/{course.pk}/measures/{measure.pk}"


def _photo(name: str = "comedor.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_with_gps("Canon"), content_type="image/jpeg")


# --- Reading ----------------------------------------------------------------------------


def test_a_plan_has_its_measures_as_the_contract_says(
    client, world: World, course: Course
) -> None:
    response = _get(client, f"{PLANS}/{course.pk}", world.analyst)

    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["id"] == str(course.pk)
    assert plan["facility"]["name"] == world.facility.name
    assert plan["deadline"] == "2023-11-10"
    assert plan["status"] == "active"
    assert plan["origin"] == "rrm"
    assert {p["role"] for p in plan["parties"]} == {"monitor", "government", "company"}
    assert plan["can_manage"] is False
    measures = plan["measures"]
    assert [m["type"] for m in measures] == INISA_MEASURES
    first = measures[0]
    assert set(first) == MEASURE_FIELDS
    assert first["position"] == 1
    assert first["responsible_party"] == "company"
    assert first["due_date"] == "2023-11-10"
    assert first["status"] == "pending"
    assert first["description"].startswith("Publicar, distribuir y cumplir")
    assert first["overdue"] is True
    assert first["evidence_counts"] == {
        "total": 0,
        "accepted": 0,
        "submitted": 0,
        "rejected": 0,
    }
    assert measures[6]["responsible_party"] == "government"
    assert plan["progress"] == {
        "total": 7,
        "verified": 0,
        "done": 0,
        "in_progress": 0,
        "pending": 7,
        "failed": 0,
        "overdue": 7,
        "percent_verified": 0,
    }
    assert first["notes"] == []


def test_the_officer_never_gets_notes_nor_the_case_it_follows(
    client, world: World, course: Course
) -> None:
    measure = course.measures.get(position=1)
    services.measure_note_add(
        measure=measure, user=world.monitor.user, body="La gerencia presionó."
    )

    officer = _get(client, f"{PLANS}/{course.pk}", world.officer).json()
    analyst = _get(client, f"{PLANS}/{course.pk}", world.analyst).json()

    assert officer["measures"][0]["notes"] is None
    assert "presionó" not in str(officer)
    assert analyst["measures"][0]["notes"][0]["body"] == "La gerencia presionó."
    one = _get(client, _measure_url(course), world.officer).json()
    assert one["notes"] is None


def test_another_organisation_or_a_missing_plan_is_404(
    client, world: World, course: Course
) -> None:
    for url in (
        f"{PLANS}/{course.pk}",
        _measure_url(course),
        f"{PLANS}/{uuid.uuid4()}",
        f"{PLANS}/not-an-id",
        f"{PLANS}/{course.pk}/measures/{uuid.uuid4()}",
    ):
        staff = world.stranger if str(course.pk) in url else world.monitor
        response = _get(client, url, staff)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "No encontrado."}
    denied = _post(
        client, f"{_measure_url(course)}/status", world.stranger, {"status": "done"}
    )
    assert denied.status_code == 404
    assert Measure.objects.filter(status=MeasureStatus.DONE).count() == 0
    listed = _get(client, PLANS, world.stranger).json()
    assert listed == {"items": [], "count": 0}


def test_the_list_is_paginated_and_filtered(
    client, world: World, course: Course
) -> None:
    today = timezone.localdate()
    fresh = [
        course_make(world, deadline=today + dt.timedelta(days=60 + n)) for n in range(2)
    ]

    page = _get(client, PLANS, world.monitor, limit=2).json()
    assert page["count"] == 3
    assert [p["id"] for p in page["items"]] == [str(course.pk), str(fresh[0].pk)]
    rest = _get(client, PLANS, world.monitor, limit=2, offset=2).json()
    assert [p["id"] for p in rest["items"]] == [str(fresh[1].pk)]
    assert rest["count"] == 3
    assert "measures" not in page["items"][0]
    assert page["items"][0]["progress"]["overdue"] == 7

    overdue = _get(client, PLANS, world.monitor, overdue="true").json()
    assert [p["id"] for p in overdue["items"]] == [str(course.pk)]
    assert _get(client, PLANS, world.monitor, overdue="false").json()["count"] == 2
    assert _get(client, PLANS, world.monitor, origin="brand").json()["count"] == 0
    assert _get(client, PLANS, world.monitor, status="active").json()["count"] == 3
    by_facility = _get(client, PLANS, world.monitor, facility_id=str(world.facility.pk))
    assert by_facility.json()["count"] == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 500}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "archived"}, "status"),
        ({"origin": "rumour"}, "origin"),
        ({"facility_id": "planta-3"}, "facility_id"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_field(
    client, world: World, course: Course, params: dict, field: str
) -> None:
    response = _get(client, PLANS, world.monitor, **params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_the_list_costs_the_same_queries_for_more_plans(client, world: World) -> None:
    course_make(world)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = _get(client, PLANS, world.analyst, limit=20)
        assert response.status_code == 200
        return len(captured)

    queries()  # the token's first use writes to the cache
    one = queries()
    for _ in range(4):
        course_make(world)
    assert queries() == one


def _domain_queries(client, staff, **params) -> list[str]:
    """The list's own queries: not the token check, which in tests reads and
    writes the database cache."""
    assert _get(client, PLANS, staff, **params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, PLANS, staff, **params)
    assert response.status_code == 200
    return [
        q["sql"]
        for q in captured.captured_queries
        if "remedia_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


@pytest.mark.parametrize("params", [{}, {"overdue": "true", "offset": "1"}])
def test_a_page_of_plans_takes_four_queries(client, world: World, params) -> None:
    # Given plans of the monitor, and one it is not a party to
    for _ in range(3):
        course_make(world)
    Course.objects.create(
        title="Ajeno",
        organisation=world.outsider_org,
        facility=world.facility,
        origin=CourseOrigin.RRM,
        deadline=DEADLINE,
    )

    # When a page is read
    queries = _domain_queries(client, world.monitor, limit=2, **params)

    # Then: the page with its facilities, their parties, the total and the
    # measures counted, whatever the page's depth or filter
    assert len(queries) == 4, queries


# --- Creating and changing ---------------------------------------------------------------


def test_a_monitor_creates_a_plan_with_parties_and_catalogue_measures(
    client, world: World
) -> None:
    response = _post(
        client,
        PLANS,
        world.monitor,
        {
            "title": "Plan de la marca para INISA",
            "facility_id": str(world.facility.pk),
            "origin": "brand",
            "deadline": "2030-06-30",
            "reference": "CAP-2030-17",
            "parties": [
                {"role": "company", "organisation_id": str(world.company.pk)},
                {"role": "union", "name": "Sindicato Independiente"},
            ],
            "measures": [
                {"type": "neutrality_statement"},
                {"type": "wage_payment", "due_date": "2030-01-31"},
            ],
        },
    )

    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["organisation_id"] == str(world.monitor_org.pk)
    assert plan["can_manage"] is True
    assert [(m["position"], m["type"]) for m in plan["measures"]] == [
        (1, "neutrality_statement"),
        (2, "wage_payment"),
    ]
    assert plan["measures"][0]["due_date"] == "2030-06-30"
    assert plan["measures"][1]["due_date"] == "2030-01-31"
    assert {(p["role"], p["name"]) for p in plan["parties"]} >= {
        ("company", world.company.name),
        ("union", "Sindicato Independiente"),
    }
    officer_view = _get(client, f"{PLANS}/{plan['id']}", world.officer)
    assert officer_view.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"origin": "rumour"}, "origin"),
        ({"deadline": "10/11/2023"}, "deadline"),
        ({"facility_id": str(uuid.uuid4())}, "facility_id"),
        ({"measures": [{"type": "paint"}]}, "measures.0.type"),
        (
            {"parties": [{"role": "company", "organisation_id": str(uuid.uuid4())}]},
            "parties.0.organisation_id",
        ),
        ({"agreed_on": "2031-01-01"}, "deadline"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_plans_are_422_naming_the_field_and_store_nothing(
    client, world: World, change: dict, field: str
) -> None:
    body = {
        "title": "Plan",
        "facility_id": str(world.facility.pk),
        "origin": "inspection",
        "deadline": "2030-06-30",
        **change,
    }
    response = _post(client, PLANS, world.monitor, body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Course.objects.exists()


def test_readers_may_not_create_or_change(client, world: World, course: Course) -> None:
    body = {
        "title": "Plan",
        "facility_id": str(world.facility.pk),
        "origin": "inspection",
        "deadline": "2030-06-30",
    }
    assert _post(client, PLANS, world.analyst, body).status_code == 403
    added = _post(
        client,
        f"{PLANS}/{course.pk}/measures",
        world.analyst,
        {"type": "reinstatement"},
    )
    assert added.status_code == 403
    assert course.measures.count() == 7
    assert client.get(PLANS).status_code == 401


def test_a_monitor_adds_a_measure_and_a_bad_one_is_422(
    client, world: World, course: Course
) -> None:
    response = _post(
        client,
        f"{PLANS}/{course.pk}/measures",
        world.monitor,
        {"type": "reinstatement", "responsible_party": "company"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["position"] == 8
    assert response.json()["due_date"] == "2023-11-10"
    bad = _post(
        client,
        f"{PLANS}/{course.pk}/measures",
        world.monitor,
        {"type": "reinstatement", "responsible_party": "everyone"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "responsible_party"


# --- Status and evidence ------------------------------------------------------------------


def test_verifying_without_evidence_is_422_and_with_it_works(
    client, world: World, course: Course
) -> None:
    url = _measure_url(course)
    assert (
        _post(client, f"{url}/status", world.monitor, {"status": "done"}).status_code
        == 200
    )

    refused = _post(client, f"{url}/status", world.monitor, {"status": "verified"})

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "evidence"
    assert course.measures.get(position=1).status == MeasureStatus.DONE

    upload = client.post(
        f"{url}/evidence",
        {"file": _photo(), "description": "Comedor"},
        headers=world.officer.headers,
    )
    assert upload.status_code == 201, upload.content
    evidence = upload.json()
    assert evidence["status"] == "submitted"
    assert evidence["content_type"] == "image/jpeg"
    assert evidence["submitted_by"] == world.officer.user.username

    officer_review = _post(
        client,
        f"{url}/evidence/{evidence['id']}/review",
        world.officer,
        {"decision": "accepted"},
    )
    assert officer_review.status_code == 403
    reviewed = _post(
        client,
        f"{url}/evidence/{evidence['id']}/review",
        world.monitor,
        {"decision": "accepted"},
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["status"] == "accepted"
    officer_verify = _post(
        client, f"{url}/status", world.officer, {"status": "verified"}
    )
    assert officer_verify.status_code == 403

    verified = _post(client, f"{url}/status", world.monitor, {"status": "verified"})

    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    assert verified.json()["verified_at"] is not None
    assert verified.json()["evidence_counts"]["accepted"] == 1
    progress = _get(client, f"{PLANS}/{course.pk}", world.analyst).json()["progress"]
    assert progress["verified"] == 1
    assert progress["percent_verified"] == 14


def test_bad_status_and_review_bodies_are_422(
    client, world: World, course: Course
) -> None:
    url = _measure_url(course)
    assert (
        _post(client, f"{url}/status", world.monitor, {"status": "finished"}).json()[
            "errors"
        ][0]["field"]
        == "status"
    )
    failed = _post(client, f"{url}/status", world.monitor, {"status": "failed"})
    assert failed.status_code == 422
    assert failed.json()["errors"][0]["field"] == "reason"
    evidence = services.evidence_submit(
        measure=course.measures.select_related("course").get(position=1),
        user=world.officer.user,
        name="x.jpg",
        data=jpeg_with_gps("Canon"),
    )
    rejected = _post(
        client,
        f"{url}/evidence/{evidence.pk}/review",
        world.monitor,
        {"decision": "rejected"},
    )
    assert rejected.status_code == 422
    assert rejected.json()["errors"][0]["field"] == "reason"
    odd = _post(
        client,
        f"{url}/evidence/{evidence.pk}/review",
        world.monitor,
        {"decision": "meh"},
    )
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["field"] == "decision"
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED


def test_a_wrong_file_is_422_and_nothing_is_kept(
    client,
    world: World,
    course: Course,
    data_dir,  # noqa: F811
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = _measure_url(course)
    wrong = client.post(
        f"{url}/evidence",
        {"file": SimpleUploadedFile("nomina.xlsx", b"PK\x03\x04 a spreadsheet")},
        headers=world.officer.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "file"
    assert "no se acepta" in wrong.json()["errors"][0]["reason"]
    missing = client.post(f"{url}/evidence", {}, headers=world.officer.headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "file"
    assert not Evidence.objects.exists()
    assert not (data_dir / "remediation-evidence").exists() or not any(
        (data_dir / "remediation-evidence").iterdir()
    )


def test_an_evidence_file_downloads_audited_and_never_cached(
    client, world: World, course: Course
) -> None:
    url = _measure_url(course)
    evidence = client.post(
        f"{url}/evidence", {"file": _photo()}, headers=world.officer.headers
    ).json()

    response = _get(client, f"{url}/evidence/{evidence['id']}", world.analyst)

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8")
    assert b"Canon" not in body
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.get(action="remediation.evidence_opened")
    assert entry.actor_id == str(world.analyst.user.pk)
    stranger = _get(client, f"{url}/evidence/{evidence['id']}", world.stranger)
    assert stranger.status_code == 404
    assert AuditEntry.objects.filter(action="remediation.evidence_opened").count() == 1


def test_the_plans_are_in_the_openapi_document(client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/remediation/plans" in paths
    assert "/api/v1/remediation/plans/{plan_id}" in paths
    assert "/api/v1/remediation/plans/{plan_id}/measures/{measure_id}/evidence" in paths
