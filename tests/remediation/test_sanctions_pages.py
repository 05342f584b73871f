"""The sanctions pages, and the training and sanctions sections of the course
and measure pages."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from remedia.remediation import sanctions_views, training_views
from remedia.remediation.models import (
    MeasureType,
    SanctionProceeding,
)
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

BASE = "/staff/remediation/training"


def test_sanctions_pages_create_and_update(client, enter, world: World, course):
    enter(world.officer)
    assert client.get(f"{BASE}/sanctions/new/").status_code == 404

    enter(world.monitor)
    measure = course.measures.get(type=MeasureType.SANCTIONS_PROCEEDINGS)
    form = client.get(f"{BASE}/sanctions/new/?course={course.pk}").content.decode()
    # The course's sanctions measure is offered already chosen.
    assert f'<option value="{measure.pk}" selected>' in form
    created = client.post(
        f"{BASE}/sanctions/new/?course={course.pk}",
        {
            "measure": str(measure.pk),
            "respondent_kind": "company",
            "respondent_name": "INISA",
            "authority": "CFCRL",
            "number": "7/2023",
            "opened_on": "2023-09-01",
            "status": "initiated",
        },
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    sanction = SanctionProceeding.objects.get()
    assert (sanction.course, sanction.measure) == (course, measure)

    skipped = client.post(
        f"{BASE}/sanctions/{sanction.pk}/edit/",
        {
            "respondent_kind": "company",
            "respondent_name": "INISA",
            "authority": "CFCRL",
            "number": "7/2023",
            "opened_on": "2023-09-01",
            "status": "closed",
        },
    )
    assert skipped.status_code == 422  # "closed" is not offered from "initiated"
    moved = client.post(
        f"{BASE}/sanctions/{sanction.pk}/edit/",
        {
            "respondent_kind": "company",
            "respondent_name": "INISA",
            "authority": "CFCRL",
            "number": "7/2023",
            "opened_on": "2023-09-01",
            "status": "in_progress",
        },
    )
    assert moved.status_code == 302
    sanction.refresh_from_db()
    assert sanction.status == "in_progress"


def test_the_course_sections_render(world: World, filled) -> None:
    course = filled["course"]
    for staff in (world.monitor, world.officer):
        request = RequestFactory().get(f"/staff/remediation/{course.pk}/")
        request.user = staff.user

        training_html = training_views.training_course_section(request, course)
        sanctions_html = sanctions_views.sanctions_course_section(request, course)

        assert 'id="training"' in training_html
        assert training_html.count('class="inbox coverage"') == 2  # two measures
        assert 'data-role="worker" data-percent="100"' in training_html
        assert "CFCRL/2023/1" in sanctions_html
        assert ("Registrar un procedimiento" in sanctions_html) == (
            staff is world.monitor
        )
    measure = course.measures.get(type=MeasureType.WORKER_RIGHTS_TRAINING)
    request.user = world.monitor.user
    assert "Sesiones de esta medida" in training_views.training_measure_section(
        request, measure
    )
    other = course.measures.get(type=MeasureType.NEUTRALITY_STATEMENT)
    assert training_views.training_measure_section(request, other) == ""
    assert sanctions_views.sanctions_measure_section(request, other) == ""
