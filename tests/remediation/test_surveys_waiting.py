"""The survey count on the home page (issue 22): open worker surveys of the
viewer's courses whose last day is within a week; it leads to the staff's
survey list filtered to exactly those rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.remediation import surveys
from remedia.remediation.models import Course, MeasureType, Survey, SurveyStatus
from tests.support.remediation import World
from tests.support.waiting import HOME, table_rows, waiting_on_home

pytestmark = pytest.mark.django_db

KEY = "remediation.surveys_closing"
LIST = "/staff/remediation/surveys/"


def _open(world: World, course: Course, measure_type: str, days: int | None) -> Survey:
    return surveys.survey_open(
        user=world.monitor.user,
        measure=course.measures.get(type=measure_type),
        questions=[surveys.QuestionDraft(text="¿Se cumplió la medida?")],
        closes_on=None if days is None else timezone.localdate() + dt.timedelta(days),
    )


@pytest.fixture
def closing(world: World, course: Course) -> dict[str, Survey]:
    found = {
        "soon": _open(world, course, MeasureType.NEUTRALITY_STATEMENT, 3),
        "today": _open(world, course, MeasureType.CONDUCT_GUIDELINES, 0),
        "later": _open(world, course, MeasureType.ZERO_TOLERANCE_POLICY, 10),
        "open_ended": _open(world, course, MeasureType.PERSONNEL_TRAINING, None),
        "closed": _open(world, course, MeasureType.WORKER_RIGHTS_TRAINING, 2),
    }
    Survey.objects.filter(pk=found["closed"].pk).update(status=SurveyStatus.CLOSED)
    return found


@pytest.mark.parametrize("who", ["monitor", "analyst"])
def test_the_count_is_the_open_surveys_closing_within_a_week(
    client: Client, enter: Any, world: World, closing: dict[str, Survey], who: str
) -> None:
    # Given surveys closing in 3 days and today, in 10 days, never, and one closed
    enter(getattr(world, who))

    # When a reader of the course opens home
    shown, url = waiting_on_home(client.get(HOME).content.decode(), KEY)
    response = client.get(url)

    # Then two wait, and the list they lead to shows those two
    assert shown == 2
    assert url == f"{LIST}?closing=1"
    assert response.status_code == 200
    html = response.content.decode()
    assert table_rows(html) == 2
    for key in ("soon", "today"):
        assert f'data-survey="{closing[key].pk}"' in html
    # Unfiltered, the list has every survey of the course
    assert table_rows(client.get(LIST).content.decode()) == 5


def test_another_organisation_sees_zero_and_an_empty_list(
    client: Client, enter: Any, world: World, closing: dict[str, Survey]
) -> None:
    enter(world.stranger)
    shown, url = waiting_on_home(client.get(HOME).content.decode(), KEY)
    assert shown == 0
    assert table_rows(client.get(url).content.decode()) == 0


def test_the_facility_officer_has_no_survey_count_nor_list(
    client: Client, enter: Any, world: World, closing: dict[str, Survey]
) -> None:
    enter(world.officer)
    assert KEY not in client.get(HOME).content.decode()
    assert client.get(LIST).status_code == 404


def test_an_unknown_status_is_said_not_a_crash(
    client: Client, enter: Any, world: World, closing: dict[str, Survey]
) -> None:
    enter(world.monitor)
    response = client.get(LIST, {"status": "maybe"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Elija un estado de la lista." in html
    assert table_rows(html) == 0
