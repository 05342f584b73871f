"""The staff API of sanctions proceedings: the contract."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.remediation.models import (
    SanctionProceeding,
)
from tests.support.remediation import World

API = "/api/v1/remediation"
YESTERDAY = "2023-09-14"


def _queries(client: Any, world: World, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=world.analyst.headers)
    assert response.status_code == 200, response.content
    return len(queries)


# --- Sanctions ------------------------------------------------------------------------


def sanction_payload(course: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "course_id": str(course.pk),
        "respondent_kind": "company",
        "respondent_name": "Industrias del Interior S.A. de C.V.",
        "authority": "Centro Federal de Conciliación y Registro Laboral",
        "number": "CFCRL/2023/7",
        "opened_on": "2023-09-01",
        **overrides,
    }


def test_sanctions_create_read_patch(client, world: World, course):
    created = client.post(
        f"{API}/sanctions",
        sanction_payload(course),
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "initiated"
    assert body["allowed_statuses"] == ["initiated", "in_progress"]
    assert body["organisation"]["id"] == str(world.monitor_org.pk)

    url = f"{API}/sanctions/{body['id']}"
    moved = client.patch(
        url,
        {"status": "in_progress"},
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert moved.status_code == 200, moved.content
    skipped = client.patch(
        url,
        {"status": "closed", "closed_on": "2023-10-01", "outcome": "sanctioned"},
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert skipped.status_code == 422
    assert skipped.json()["errors"][0]["field"] == "status"

    read = client.get(url, headers=world.officer.headers)
    assert read.status_code == 200
    assert read.json()["status"] == "in_progress"
    assert read.json()["allowed_statuses"] == []
    assert client.get(url, headers=world.stranger.headers).status_code == 404
    assert (
        client.patch(
            url,
            {"status": "resolved"},
            content_type="application/json",
            headers=world.analyst.headers,
        ).status_code
        == 403
    )


def test_a_duplicate_number_is_a_422_not_a_500(client, world: World, course):
    for _ in range(2):
        response = client.post(
            f"{API}/sanctions",
            sanction_payload(course),
            content_type="application/json",
            headers=world.monitor.headers,
        )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "number",
            "reason": "Ya hay un procedimiento con ese número ante esa autoridad.",
        }
    ]
    assert SanctionProceeding.objects.count() == 1


def test_the_officer_may_not_create_sanctions(client, world: World, course):
    response = client.post(
        f"{API}/sanctions",
        sanction_payload(course),
        content_type="application/json",
        headers=world.officer.headers,
    )

    assert response.status_code == 403
    assert SanctionProceeding.objects.count() == 0


def test_bad_sanction_input(client, world: World, course):
    bad = client.post(
        f"{API}/sanctions",
        sanction_payload(course, respondent_kind="robot", opened_on="ayer", extra=1),
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "respondent_kind",
        "opened_on",
        "extra",
    }
    stranger_course = client.post(
        f"{API}/sanctions",
        sanction_payload(course),
        content_type="application/json",
        headers=world.stranger.headers,
    )
    assert stranger_course.status_code == 422
    assert stranger_course.json()["errors"][0]["field"] == "course_id"


def test_the_sanctions_list_is_filtered_paginated_and_cheap(
    client, world: World, course
):
    for n in range(6):
        client.post(
            f"{API}/sanctions",
            sanction_payload(course, number=f"N-{n}", opened_on=f"2023-09-0{n + 1}"),
            content_type="application/json",
            headers=world.monitor.headers,
        )

    _queries(client, world, f"{API}/sanctions")  # the token's first use
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"{API}/sanctions?course_id={course.pk}&limit=4",
            headers=world.analyst.headers,
        )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6
    assert [s["number"] for s in body["items"]] == ["N-5", "N-4", "N-3", "N-2"]
    assert len(queries) == _queries(
        client, world, f"{API}/sanctions?course_id={course.pk}&limit=1"
    )
    assert (
        client.get(
            f"{API}/sanctions?status=closed", headers=world.analyst.headers
        ).json()["count"]
        == 0
    )
    assert (
        client.get(f"{API}/sanctions", headers=world.stranger.headers).json()["count"]
        == 0
    )
    assert (
        client.get(
            f"{API}/sanctions?course_id={course.pk}", headers=world.stranger.headers
        ).status_code
        == 404
    )


def test_the_company_is_not_told_which_cases_a_proceeding_follows(
    client, world: World, course_under_rrm_case
):
    # Given a course that follows an RRM case, and its proceeding (linked to
    # that RRM case, as a course's proceeding is)
    course = course_under_rrm_case
    rrm_case = course.rrm_case
    created = client.post(
        f"{API}/sanctions",
        sanction_payload(course),
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert created.status_code == 201, created.content
    url = f"{API}/sanctions/{created.json()['id']}"

    # When the course's readers and the company's compliance officer read it
    analyst = client.get(url, headers=world.analyst.headers).json()
    officer = client.get(url, headers=world.officer.headers)
    listed = client.get(
        f"{API}/sanctions?course_id={course.pk}", headers=world.officer.headers
    )

    # Then the readers see the RRM case, and the company (who reads the
    # proceeding like the rest of the course) sees neither case, as the
    # course API hides them from it
    assert analyst["rrm_case_id"] == str(rrm_case.pk)
    assert officer.status_code == 200, officer.content
    assert (officer.json()["rrm_case_id"], officer.json()["case_id"]) == (None, None)
    assert [(i["rrm_case_id"], i["case_id"]) for i in listed.json()["items"]] == [
        (None, None)
    ]
