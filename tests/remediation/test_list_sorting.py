"""The list of courses of remediation ordered from its filter form's "Ordenar
por" (it is a list of cards, with no headers): the database's order, the page
kept with the filters, an unknown key said and the deadline order kept."""

from __future__ import annotations

import datetime as dt

import pytest

from remedia.remediation.models import Course, CourseStatus
from tests.support.remediation import World, course_make

pytestmark = pytest.mark.django_db

LIST = "/staff/remediation/"


@pytest.fixture
def three(world: World) -> list[str]:
    """Titles in deadline order: "Beta" soonest, then "alfa", then "Gamma"."""
    titles = []
    for title, deadline, status in (
        ("Beta", dt.date(2030, 1, 1), CourseStatus.COMPLETED),
        ("alfa", dt.date(2031, 1, 1), CourseStatus.INCOMPLETE),
        ("Gamma", dt.date(2032, 1, 1), CourseStatus.ACTIVE),
    ):
        course = course_make(world, deadline=deadline)
        Course.objects.filter(pk=course.pk).update(
            title=title,
            status=status,
            closed_on=None if status == CourseStatus.ACTIVE else deadline,
        )
        titles.append(title)
    return titles


def _titles(client, query: str = "") -> list[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [row["course"].title for row in response.context["rows"]]


def test_the_select_orders_the_courses_both_ways(client, enter, world, three):
    enter(world.monitor)

    assert _titles(client) == ["Beta", "alfa", "Gamma"]
    assert _titles(client, "orden=-plazo") == ["Gamma", "alfa", "Beta"]
    assert _titles(client, "orden=titulo") == ["alfa", "Beta", "Gamma"]
    assert _titles(client, "orden=-titulo") == ["Gamma", "Beta", "alfa"]
    assert _titles(client, "orden=estado") == ["Gamma", "Beta", "alfa"]
    assert _titles(client, "orden=-estado&origin=rrm") == ["alfa", "Beta", "Gamma"]
    html = client.get(f"{LIST}?orden=-titulo").content.decode()
    form = html[html.index('id="course-filters"') :]
    form = form[: form.index("</form>")]
    assert '<option value="-titulo" selected>Título, descendente</option>' in form
    # The list's default is a key: chosen in the select when none is asked
    plain = client.get(LIST).content.decode()
    assert '<option value="plazo" selected>' in plain


def test_an_unknown_key_is_said_and_the_deadline_order_kept(
    client, enter, world, three
):
    enter(world.monitor)

    response = client.get(f"{LIST}?orden=precio")

    assert response.status_code == 200
    assert "La lista no se puede ordenar por «precio»" in response.content.decode()
    assert [row["course"].title for row in response.context["rows"]] == [
        "Beta",
        "alfa",
        "Gamma",
    ]
