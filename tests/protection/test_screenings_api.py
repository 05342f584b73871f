"""`/api/v1/protection/screenings`: the list, starting one, the interview and
its 422s, dismissing, reading with and without a key, and a file from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.protection.models import Screening, VictimFile
from remedia.protection.services import screenings as services
from tests.support.actors import staff_member
from tests.support.protection import ANSWERS_15_AT_NIGHT

URL = "/api/v1/protection/screenings"


@pytest.fixture
def api() -> Client:
    return Client()


def post(api: Client, path: str, member, body) -> Any:
    return api.post(path, body, content_type="application/json", headers=member.headers)


def test_the_list_is_the_teams_and_filters_by_status(
    screening_world, pending_screening, api
):
    w = screening_world
    services.screening_start(user=w.p.worker.user)

    everything = api.get(URL, headers=w.p.worker.headers)
    done = api.get(f"{URL}?status=done", headers=w.p.worker.headers)
    bad = api.get(f"{URL}?status=sometime", headers=w.p.worker.headers)

    assert everything.status_code == 200
    assert everything.json()["count"] == 2
    item = next(i for i in everything.json()["items"] if i["report_id"])
    assert item["id"] == str(pending_screening.pk)
    assert item["status"] == "pending"
    assert item["outcome"] is None
    assert item["can_conduct"] is True
    assert done.json() == {"items": [], "count": 0}
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"
    # Another organisation's protection worker sees none of it
    assert api.get(URL, headers=w.p.dif_worker.headers).json()["count"] == 0


def test_the_list_reads_the_same_queries_for_one_screening_or_many(
    screening_world, api, django_assert_max_num_queries
):
    w = screening_world
    services.screening_start(user=w.p.worker.user)
    with django_assert_max_num_queries(50) as few:
        assert api.get(URL, headers=w.p.worker.headers).status_code == 200
    for _ in range(6):
        screening = services.screening_start(user=w.p.worker.user)
        services.screening_conduct(
            screening=screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(URL, headers=w.p.worker.headers)

    assert response.json()["count"] == 7


def test_a_worker_starts_a_screening_and_a_handler_may_not(screening_world, api):
    w = screening_world

    started = post(api, URL, w.p.worker, {})
    refused = post(api, URL, w.p.handler, {})

    assert started.status_code == 201
    assert started.json()["report_id"] is None
    assert started.json()["organisation"]["name"] == "Colectivo Costura Digna"
    assert refused.status_code == 403
    assert Screening.objects.count() == 1


def test_the_interview_answers_with_the_outcome_and_the_answers(
    screening_world, pending_screening, api
):
    w = screening_world

    response = post(
        api,
        f"{URL}/{pending_screening.pk}/conduct",
        w.p.worker,
        {"answers": ANSWERS_15_AT_NIGHT},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done"
    assert body["outcome"]["child_labour"] == "restrictions_breached"
    assert "child_labour.night_work" in body["outcome"]["findings"]
    assert body["answers"]["age"] == 15
    night = next(
        f
        for f in body["assessment"]["findings"]
        if f["code"] == "child_labour.night_work"
    )
    assert "LFT art. 175" in night["reference"]


def test_bad_answers_are_a_422_naming_each_field(
    screening_world, pending_screening, api
):
    w = screening_world
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = post(
        api,
        f"{URL}/{pending_screening.pk}/conduct",
        w.p.worker,
        {"conducted_on": tomorrow, "answers": {"age": 200, "debt_bondage": "tal vez"}},
    )

    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(fields) == {"conducted_on", "age", "debt_bondage"}
    assert fields["conducted_on"] == "La fecha no puede estar en el futuro."
    assert Screening.objects.get().status == "pending"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": []},
        {"answers": "yes"},
        {"answers": {"age": [1, 2]}},
        {"answers": {"age": 15}, "extra": 1},
        {"answers": {"hours_per_day": "1e999"}},
        {"answers": {"age": 15}, "conducted_on": "mañana"},
    ],
)
def test_malformed_interviews_are_refused_as_422(
    screening_world, pending_screening, api, body
):
    response = post(
        api, f"{URL}/{pending_screening.pk}/conduct", screening_world.p.worker, body
    )

    assert response.status_code == 422
    assert response.json()["errors"]
    assert Screening.objects.get().status == "pending"


def test_the_answers_show_only_to_a_token_whose_key_opens_them(
    screening_world, pending_screening, api
):
    # Given a held screening, and a team colleague whose token carries no key
    w = screening_world
    services.screening_conduct(
        screening=pending_screening, user=w.p.worker.user, answers=ANSWERS_15_AT_NIGHT
    )
    keyless = staff_member(w.p.team, "quique", role="protection", decrypting=False)

    with_key = api.get(
        f"{URL}/{pending_screening.pk}", headers=w.p.worker2.headers
    ).json()
    without = api.get(f"{URL}/{pending_screening.pk}", headers=keyless.headers).json()

    assert with_key["answers"]["night_work"] == "yes"
    assert without["answers"] is None
    assert without["assessment"] is None
    assert without["outcome"]["child_labour"] == "restrictions_breached"


@pytest.mark.parametrize("who", ["elsewhere_handler", "labour_handler"])
def test_another_organisations_handler_gets_404_everywhere(
    screening_world, pending_screening, api, who
):
    stranger = getattr(screening_world, who)

    answers = [
        api.get(f"{URL}/{pending_screening.pk}", headers=stranger.headers).status_code,
        post(
            api,
            f"{URL}/{pending_screening.pk}/conduct",
            stranger,
            {"answers": {"age": 15}},
        ).status_code,
        post(
            api, f"{URL}/{pending_screening.pk}/dismiss", stranger, {"reason": "x"}
        ).status_code,
    ]

    assert answers == [404, 404, 404]
    assert Screening.objects.get().status == "pending"


def test_a_handler_screens_their_reports_screening_but_opens_no_file(
    screening_world, pending_screening, api
):
    w = screening_world

    held = post(
        api,
        f"{URL}/{pending_screening.pk}/conduct",
        w.p.handler,
        {"answers": ANSWERS_15_AT_NIGHT},
    )
    file = post(
        api,
        f"{URL}/{pending_screening.pk}/file",
        w.p.handler,
        {"identity": {"alias": "Luci"}},
    )

    assert held.status_code == 200
    assert held.json()["answers"]["age"] == 15
    assert file.status_code == 404
    assert not VictimFile.objects.exists()


def test_a_dismissal_needs_its_reason(screening_world, pending_screening, api):
    w = screening_world

    empty = post(
        api, f"{URL}/{pending_screening.pk}/dismiss", w.p.worker, {"reason": ""}
    )
    done = post(
        api,
        f"{URL}/{pending_screening.pk}/dismiss",
        w.p.worker,
        {"reason": "Duplicada"},
    )

    assert empty.status_code == 422
    assert empty.json()["errors"] == [
        {"field": "reason", "reason": "Este campo es obligatorio."}
    ]
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["dismissed_reason"]) == (
        "dismissed",
        "Duplicada",
    )


def test_a_file_from_the_screening_then_404_for_the_handler(
    screening_world, pending_screening, api
):
    w = screening_world
    post(
        api,
        f"{URL}/{pending_screening.pk}/conduct",
        w.p.worker,
        {"answers": ANSWERS_15_AT_NIGHT},
    )

    opened = post(
        api,
        f"{URL}/{pending_screening.pk}/file",
        w.p.worker,
        {"identity": {"given_names": "Lucía", "date_of_birth": "2011-03-14"}},
    )

    assert opened.status_code == 201, opened.content
    file = VictimFile.objects.get()
    assert opened.json() == {"id": str(file.pk), "number": file.number}
    detail = api.get(f"{URL}/{pending_screening.pk}", headers=w.p.worker.headers).json()
    assert detail["file_id"] == str(file.pk)
    # A colleague not assigned to the file sees that one was opened, not which
    colleague = api.get(
        f"{URL}/{pending_screening.pk}", headers=w.p.worker2.headers
    ).json()
    assert (colleague["file_opened"], colleague["file_id"]) == (True, None)
