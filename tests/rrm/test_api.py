"""`GET /api/v1/rrm/cases` and `/cases/{id}`: the public record, no authentication.

A case's timeline must be exactly what `remedia rrm-timeline --json` prints for
its dates on the same day (domain/rrm.md).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.rrm import services
from remedia.rrm.models import RrmCase
from tests.rrm.public_record import RECORD

pytestmark = pytest.mark.django_db

URL = "/api/v1/rrm/cases"


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    cache.clear()


@pytest.fixture
def record() -> None:
    services.rrm_record_import(data=RECORD.read_bytes())


def _timeline_command(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("rrm_timeline", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_list_is_public_paginated_and_counted(client, record):
    # When anyone asks for the record, two at a time
    response = client.get(URL, {"limit": 2, "offset": 0})

    # Then the page and the total come back, newest first
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 24
    assert len(body["items"]) == 2
    first = body["items"][0]
    assert set(first) >= {
        "id", "slug", "facility", "company", "state", "state_code", "sector",
        "petition_received_on", "ilc_request_on", "mexico_accepted_on",
        "mexico_determination_on", "remediation_announced_on",
        "remediation_deadline", "outcome", "next_step",
    }  # fmt: skip
    second = client.get(URL, {"limit": 2, "offset": 2}).json()["items"]
    slugs = {i["slug"] for i in body["items"]} | {i["slug"] for i in second}
    assert len(slugs) == 4


def test_the_list_gives_the_next_due_step_and_days_left(client, record):
    # vu-1: accepted, no determination and no course on record, so the review
    # (due Monday 2022-09-05) is overdue
    today = timezone.localdate()
    items = client.get(URL, {"q": "Manufacturas VU", "limit": 50}).json()["items"]
    vu1 = next(i for i in items if i["slug"] == "vu-1")
    assert vu1["next_step"] == {
        "step": "review",
        "due": "2022-09-04",
        "due_business": "2022-09-05",
        "status": "overdue",
        "days_left": (dt.date(2022, 9, 5) - today).days,
    }
    # INISA's steps are all done: nothing is due
    inisa = client.get(URL, {"q": "INISA"}).json()["items"]
    assert [i["slug"] for i in inisa] == ["inisa"]
    assert inisa[0]["next_step"] is None


def test_the_list_filters_by_state_name_or_code_and_by_year(client, record):
    by_code = client.get(URL, {"state": "MX-AGU", "limit": 50}).json()
    by_name = client.get(URL, {"state": "aguascalientes", "limit": 50}).json()
    assert by_code == by_name
    assert {i["slug"] for i in by_code["items"]} == {"inisa", "teklas-aguascalientes"}

    in_2021 = client.get(URL, {"year": 2021, "limit": 50}).json()
    assert {i["slug"] for i in in_2021["items"]} == {"gm-silao", "tridonex"}
    assert in_2021["count"] == 2

    assert client.get(URL, {"state": "Narnia"}).json() == {"items": [], "count": 0}


def test_bad_list_parameters_are_422_with_the_field(client, record):
    response = client.get(URL, {"limit": 0})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]

    response = client.get(URL, {"year": "last"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["year"]


def test_a_case_that_is_not_public_is_not_listed_nor_found(client, record):
    hidden = RrmCase.objects.get(slug="inisa")
    hidden.is_public = False
    hidden.save(update_fields=["is_public"])

    assert client.get(URL, {"q": "INISA"}).json()["count"] == 0
    assert client.get(f"{URL}/inisa").status_code == 404
    assert client.get(f"{URL}/{hidden.pk}").status_code == 404


def test_the_list_costs_the_same_queries_for_few_or_many_cases(
    client, record, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"limit": 2})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"limit": 50})
    assert len(response.json()["items"]) == 24
    assert len(few.captured_queries) <= 2


def test_inisas_timeline_is_what_rrm_timeline_prints(client, record):
    # When INISA is asked for by its slug and by its id
    by_slug = client.get(f"{URL}/inisa")
    inisa = RrmCase.objects.get(slug="inisa")
    by_id = client.get(f"{URL}/{inisa.pk}")

    # Then both answer the same case
    assert by_slug.status_code == 200
    assert by_slug.json() == by_id.json()
    body = by_slug.json()
    assert body["id"] == str(inisa.pk)
    assert body["slug"] == "inisa"
    assert body["sources"] == inisa.sources
    assert body["facility_id"] is None

    # And its timeline is the command's, key for key, for the same day
    expected = _timeline_command(
        "--petition", "2023-05-12",
        "--request", "2023-06-12",
        "--determination", "2023-07-27",
        "--remediation-agreed", "2023-08-09",
        "--today", timezone.localdate().isoformat(),
    )  # fmt: skip
    assert body["timeline"] == expected
    assert json.dumps(body["timeline"]) == json.dumps(expected)

    # The review met on its last day; the consultation two days late
    steps = {s["step"]: s for s in body["timeline"]["steps"]}
    assert steps["review"]["due_business"] == "2023-07-27"
    assert steps["review"]["done"] == "2023-07-27"
    assert steps["review"]["status"] == "met"
    assert steps["remediation_consultation"]["due_business"] == "2023-08-07"
    assert steps["remediation_consultation"]["status"] == "late"


def test_every_case_s_timeline_is_what_rrm_timeline_prints(client, record):
    today = timezone.localdate().isoformat()
    for case in RrmCase.objects.all():
        args = ["--today", today]
        for field, option in (
            ("petition_received_on", "--petition"),
            ("ilc_request_on", "--request"),
            ("mexico_accepted_on", "--accepted"),
            ("mexico_determination_on", "--determination"),
            ("remediation_announced_on", "--remediation-agreed"),
        ):
            value = getattr(case, field)
            if value is not None:
                args += [option, value.isoformat()]
        body = client.get(f"{URL}/{case.slug}").json()
        assert body["timeline"] == _timeline_command(*args), case.slug


def test_an_unknown_case_is_404(client, record):
    for key in ("no-such-case", str(uuid.uuid4()), "x" * 300):
        response = client.get(f"{URL}/{key}")
        assert response.status_code == 404, key
        assert "detail" in response.json()
