"""The staff API of rosters, trainings and coverage: the contract."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from remedia.remediation.models import (
    MeasureType,
)
from remedia.training.models import (
    Attendance,
    Person,
    TrainingSession,
)
from tests.support.remediation import World
from tests.support.uploads import csv_file

API = "/api/v1/remediation"
YESTERDAY = "2023-09-14"


def import_roster(
    client: Any, world: World, staff: Any, text: str, **extra: Any
) -> Any:
    return client.post(
        f"{API}/rosters/{world.facility.pk}",
        {"file": csv_file(text), **extra},
        headers=staff.headers,
    )


ROSTER = "numero,nombre,papel\n1,Ana López,worker\n2,Beto Ruiz,supervisor\n"


def session_payload(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "facility_id": str(world.facility.pk),
        "topic": "worker_rights",
        "title": "Derechos laborales",
        "held_on": YESTERDAY,
        "starts_at": "09:00",
        "ends_at": "11:00",
        "during_working_hours": True,
        "trainer": "Centro de capacitación",
        "audience_roles": ["worker", "supervisor"],
        "location": "Comedor",
        **overrides,
    }


def create_session(client: Any, world: World, staff: Any, **overrides: Any) -> Any:
    return client.post(
        f"{API}/trainings",
        session_payload(world, **overrides),
        content_type="application/json",
        headers=staff.headers,
    )


def _queries(client: Any, world: World, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=world.analyst.headers)
    assert response.status_code == 200, response.content
    return len(queries)


# --- Rosters --------------------------------------------------------------------------


def test_roster_import_and_list(client, world: World, course):
    response = import_roster(client, world, world.officer, ROSTER)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
    }
    listed = client.get(
        f"{API}/rosters/{world.facility.pk}", headers=world.analyst.headers
    )
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 2
    assert {p["identifier"] for p in body["items"]} == {"1", "2"}
    assert set(body["items"][0]) == {"id", "identifier", "name", "role", "active"}


def test_roster_import_with_replace_from_xlsx(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    book = Workbook()
    book.active.append(["identifier", "name", "role"])
    book.active.append(["1", "Ana López", "worker"])
    buffer = io.BytesIO()
    book.save(buffer)

    response = client.post(
        f"{API}/rosters/{world.facility.pk}",
        {
            "file": SimpleUploadedFile("lista.xlsx", buffer.getvalue()),
            "replace": "true",
        },
        headers=world.monitor.headers,
    )

    assert response.status_code == 200, response.content
    assert response.json()["deactivated"] == 1
    assert not Person.objects.get(identifier="2").active


def test_bad_rows_are_a_422_naming_row_and_column(client, world: World, course):
    response = import_roster(
        client, world, world.monitor, "numero,nombre,papel\n1,Ana,worker\n2,,chef\n"
    )

    assert response.status_code == 422
    body = response.json()
    assert "no se guardó nada" in body["detail"]
    assert {e["field"] for e in body["errors"]} == {"rows.3.name", "rows.3.role"}
    assert all(e["reason"].startswith("Fila 3") for e in body["errors"])
    assert Person.objects.count() == 0


def test_a_missing_file_or_a_wrong_one_is_a_422(client, world: World, course):
    missing = client.post(
        f"{API}/rosters/{world.facility.pk}", {}, headers=world.monitor.headers
    )
    assert missing.status_code == 422
    wrong = client.post(
        f"{API}/rosters/{world.facility.pk}",
        {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage")},
        headers=world.monitor.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize("facility", ["mine", "missing", "malformed"])
def test_a_roster_out_of_scope_is_404(client, world: World, course, facility):
    target = {
        "mine": str(world.facility.pk),
        "missing": "00000000-0000-0000-0000-000000000000",
        "malformed": "not-an-id",
    }[facility]

    response = client.post(
        f"{API}/rosters/{target}",
        {"file": csv_file(ROSTER)},
        headers=world.stranger.headers,
    )

    assert response.status_code == 404
    assert (
        client.get(
            f"{API}/rosters/{target}", headers=world.stranger.headers
        ).status_code
        == 404
    )


def test_the_analyst_reads_the_roster_but_may_not_import(client, world: World, course):
    response = import_roster(client, world, world.analyst, ROSTER)

    assert response.status_code == 403
    assert Person.objects.count() == 0


# --- Trainings ------------------------------------------------------------------------


def test_create_a_training_and_read_it(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    measure = course.measures.get(type=MeasureType.WORKER_RIGHTS_TRAINING)

    response = create_session(client, world, world.monitor, measure_id=str(measure.pk))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["topic"] == "worker_rights"
    assert body["course_id"] == str(course.pk)
    assert body["measure_id"] == str(measure.pk)
    assert body["starts_at"] == "09:00:00"
    assert body["attendance"] == []
    assert body["can_manage"] is True

    read = client.get(f"{API}/trainings/{body['id']}", headers=world.analyst.headers)
    assert read.status_code == 200
    assert read.json()["can_manage"] is False
    assert (
        client.get(
            f"{API}/trainings/{body['id']}", headers=world.stranger.headers
        ).status_code
        == 404
    )


def test_bad_training_input_is_a_422_with_the_field(client, world: World, course):
    wrong_order = create_session(
        client, world, world.monitor, starts_at="12:00", ends_at="10:00"
    )
    assert wrong_order.status_code == 422
    assert wrong_order.json()["errors"][0]["field"] == "ends_at"

    bad_topic = create_session(client, world, world.monitor, topic="cooking")
    assert bad_topic.status_code == 422
    assert bad_topic.json()["errors"][0]["field"] == "topic"

    both = create_session(
        client, world, world.monitor, audience_organisation_id=str(world.ilc.pk)
    )
    assert both.status_code == 422

    unseen = create_session(
        client, world, world.stranger, facility_id=str(world.facility.pk)
    )
    assert unseen.status_code == 422
    assert unseen.json()["errors"][0] == {
        "field": "facility_id",
        "reason": "No encontrado.",
    }
    not_json = client.post(
        f"{API}/trainings",
        "{oops",
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert not_json.status_code == 422
    assert TrainingSession.objects.count() == 0


def test_attendance_by_file_and_by_json(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    session_id = create_session(client, world, world.monitor).json()["id"]

    by_file = client.post(
        f"{API}/trainings/{session_id}/attendance",
        {"file": csv_file("numero,nombre\n1,Ana López\n", "asistencia.csv")},
        headers=world.officer.headers,
    )
    assert by_file.status_code == 200, by_file.content
    assert by_file.json() == {"added": 1, "already": 0, "attendance_count": 1}

    by_json = client.post(
        f"{API}/trainings/{session_id}/attendance",
        {"identifiers": ["1", "2"]},
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert by_json.status_code == 200, by_json.content
    assert by_json.json() == {"added": 1, "already": 1, "attendance_count": 2}


def test_attendance_with_an_unknown_person_saves_nothing(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    session_id = create_session(client, world, world.monitor).json()["id"]

    response = client.post(
        f"{API}/trainings/{session_id}/attendance",
        {"file": csv_file("numero\n1\n404\n", "asistencia.csv")},
        headers=world.monitor.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rows.3.identifier"
    assert "persona desconocida" in response.json()["errors"][0]["reason"]
    assert Attendance.objects.count() == 0

    bad_json = client.post(
        f"{API}/trainings/{session_id}/attendance",
        {"identifiers": "1"},
        content_type="application/json",
        headers=world.monitor.headers,
    )
    assert bad_json.status_code == 422


def test_attendance_for_a_future_session_is_a_422(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    session_id = create_session(client, world, world.monitor, held_on=tomorrow).json()[
        "id"
    ]

    response = client.post(
        f"{API}/trainings/{session_id}/attendance",
        {"identifiers": ["1"]},
        content_type="application/json",
        headers=world.monitor.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "held_on"


def test_the_training_list_is_paginated_filtered_and_cheap(
    client, world: World, course
):
    import_roster(client, world, world.monitor, ROSTER)
    for day in range(1, 8):
        sid = create_session(
            client, world, world.monitor, held_on=f"2023-09-0{day}"
        ).json()["id"]
        client.post(
            f"{API}/trainings/{sid}/attendance",
            {"identifiers": ["1"]},
            content_type="application/json",
            headers=world.monitor.headers,
        )
    create_session(client, world, world.monitor, topic="neutrality_guidelines")

    _queries(client, world, f"{API}/trainings")  # the token's first use
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"{API}/trainings?topic=worker_rights&limit=5&offset=0",
            headers=world.analyst.headers,
        )

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert len(body["items"]) == 5
    assert body["items"][0]["held_on"] == "2023-09-07"
    assert all(item["attendance_count"] == 1 for item in body["items"])
    # Five sessions cost what one does: no query per session.
    assert len(queries) == _queries(
        client, world, f"{API}/trainings?topic=worker_rights&limit=1"
    )
    assert client.get(f"{API}/trainings", headers=world.stranger.headers).json() == {
        "items": [],
        "count": 0,
    }
    assert (
        client.get(
            f"{API}/trainings?limit=0", headers=world.analyst.headers
        ).status_code
        == 422
    )


# --- Coverage -------------------------------------------------------------------------


def test_coverage_of_a_facility(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)
    sid = create_session(client, world, world.monitor).json()["id"]
    client.post(
        f"{API}/trainings/{sid}/attendance",
        {"identifiers": ["1"]},
        content_type="application/json",
        headers=world.monitor.headers,
    )

    response = client.get(
        f"{API}/coverage?facility_id={world.facility.pk}&topic=worker_rights",
        headers=world.officer.headers,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["facility_id"] == str(world.facility.pk)
    assert body["topics"] == ["worker_rights"]
    workers = next(r for r in body["roles"] if r["role"] == "worker")
    assert (workers["people"], workers["trained"], workers["percent"]) == (1, 1, 100.0)
    assert body["total"]["percent"] == 50.0
    assert body["complete"] is False

    outside = client.get(
        f"{API}/coverage?facility_id={world.facility.pk}&topic=worker_rights"
        "&working_hours_only=true",
        headers=world.officer.headers,
    )
    assert outside.json()["total"]["trained"] == 1


def test_coverage_input_and_scope(client, world: World, course):
    url = f"{API}/coverage?facility_id={world.facility.pk}"
    assert client.get(url, headers=world.monitor.headers).status_code == 422  # no topic
    assert (
        client.get(f"{url}&topic=knitting", headers=world.monitor.headers).status_code
        == 422
    )
    assert (
        client.get(f"{API}/coverage?topic=worker_rights", headers=world.monitor.headers)
    ).status_code == 422
    assert (
        client.get(f"{url}&topic=worker_rights", headers=world.stranger.headers)
    ).status_code == 404


def test_coverage_of_a_course(client, world: World, course):
    import_roster(client, world, world.monitor, ROSTER)

    response = client.get(
        f"{API}/coverage/courses/{course.pk}", headers=world.analyst.headers
    )

    assert response.status_code == 200
    body = response.json()["items"]
    assert response.json()["count"] == 2
    assert [item["type"] for item in body] == [
        "personnel_training",
        "worker_rights_training",
    ]
    assert [item["working_hours_only"] for item in body] == [False, True]
    assert body[0]["coverage"]["total"]["people"] == 2
    assert (
        client.get(
            f"{API}/coverage/courses/{course.pk}", headers=world.stranger.headers
        ).status_code
        == 404
    )
