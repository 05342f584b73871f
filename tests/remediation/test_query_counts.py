"""Query counts pinned for the remediation reads not pinned beside their own
tests: a plan (API), the course page and the course list page.

Each is measured with N items and with 3N: the count must be the same, and
below a ceiling that holds on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.remediation.catalogue import CATALOGUE
from remedia.remediation.models import Course, Measure
from tests.support.remediation import DEADLINE, INISA_MEASURES, World, course_make

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/remediation/plans"
PAGES = "/staff/remediation/"


def _count(client, url: str, **kwargs: Any) -> int:
    # A first read settles what any busy server has cached already.
    assert client.get(url, **kwargs).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured)


def _more_measures(course: Course, n: int) -> None:
    start = course.measures.count() + 1
    for position in range(start, start + n):
        measure_type = INISA_MEASURES[position % len(INISA_MEASURES)]
        entry = CATALOGUE[measure_type]
        Measure.objects.create(
            course=course,
            position=position,
            type=measure_type,
            description=str(entry.description),
            responsible_party=entry.responsible,
            due_date=DEADLINE,
            required_evidence=str(entry.evidence),
        )


def test_a_plan_costs_the_same_queries_for_more_measures(
    client, world: World, course: Course, django_assert_max_num_queries
) -> None:
    url = f"{PLANS}/{course.pk}"
    headers = world.monitor.headers
    few = _count(client, url, headers=headers)
    measures = course.measures.count()

    _more_measures(course, 2 * measures)
    many = _count(client, url, headers=headers)

    body = client.get(url, headers=headers).json()
    assert len(body["measures"]) == 3 * measures
    assert many == few
    assert few <= 15
    with django_assert_max_num_queries(few):
        client.get(url, headers=headers)


def test_the_course_page_costs_the_same_queries_for_more_measures(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)
    url = f"{PAGES}{course.pk}/"
    few = _count(client, url)
    measures = course.measures.count()

    _more_measures(course, 2 * measures)
    many = _count(client, url)

    assert many == few
    assert few <= 19


def test_the_course_list_page_costs_the_same_queries_for_more_courses(
    client, enter, world: World
) -> None:
    enter(world.monitor)
    for _ in range(2):
        course_make(world)
    few = _count(client, PAGES)

    for _ in range(4):
        course_make(world)
    many = _count(client, PAGES)

    assert Course.objects.count() == 6
    assert many == few
    assert few <= 11
