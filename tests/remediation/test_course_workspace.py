"""Issue 22.2 on the course of remediation page: a summary column (status
badge, links, dates in words, progress, reports, the close form) beside tabs
for the measures (the add form under the list), the parties and the other
parts' sections; each action's result shows beside the form that was sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.html import escape

from remedia.core.words import date_words
from remedia.remediation.models import Course, CourseParty, CourseStatus, Measure
from tests.support.html import element
from tests.support.remediation import World

pytestmark = pytest.mark.django_db


def page_of(course: Course) -> str:
    return f"/staff/remediation/{course.pk}/"


def test_the_summary_and_the_measures_tab(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    page = client.get(page_of(course)).content.decode()

    summary = element(page, "course-header")
    aside = page.index('<aside class="ws-summary"')
    assert aside < page.index(summary) < page.index('<div class="ws-main">')
    assert 'class="badge-status status-active"' in element(page, "course-status")
    deadline = element(page, "course-deadline")
    assert date_words(course.deadline) in deadline
    assert "venció hace" in deadline
    assert date_words(course.agreed_on) in summary
    assert f'href="/staff/remediation/{course.pk}/edit/"' in summary
    assert "report.pdf?lang=en" in element(page, "course-report")
    assert "0 de 7 medidas verificadas (0 %)." in element(page, "progress")
    assert '<dd data-count="overdue">' in element(page, "progress-counts")
    # The close form is folded in the summary.
    assert page.index(element(page, "close")) < page.index('<div class="ws-main">')
    # Tabs: measures open, the parties and the other parts' sections as links.
    assert 'aria-current="page"' in element(page, "tab-medidas")
    for key in ("partes", "capacitacion", "sanciones"):
        assert f'href="?tab={key}"' in element(page, f"tab-{key}")
    # Overdue measures: a badge with words, and how long ago they fell due.
    measures = element(page, "measure-list")
    assert measures.count('<strong class="badge-status status-overdue">vencida') == 7
    assert measures.count("venció hace") == 7
    assert f">{course.deadline.isoformat()}<" not in page
    # The add form sits right under the list.
    assert page.index(measures) < page.index(element(page, "add-measure"))


def test_other_tabs_draw_only_their_own_section(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    parties = client.get(page_of(course), {"tab": "partes"}).content.decode()
    training = client.get(page_of(course), {"tab": "capacitacion"}).content.decode()

    assert "INISA" in element(parties, "party-list")
    assert 'id="measure-list"' not in parties
    assert 'aria-current="page"' in element(training, "tab-capacitacion")
    assert 'id="training"' in training
    assert 'id="sanctions"' not in training
    # A tab nobody registered falls back to the measures.
    odd = client.get(page_of(course), {"tab": "nada"}).content.decode()
    assert 'id="measure-list"' in odd


def test_a_measure_is_added_and_confirmed_under_the_list(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    response = client.post(
        f"{page_of(course)}measures/",
        {"type": "reinstatement", "due_date": "2030-01-31"},
    )

    assert response["Location"] == f"{page_of(course)}#measures-result"
    page = client.get(response["Location"]).content.decode()
    block = element(page, "add-measure")
    assert block.startswith('<details class="add-form" id="add-measure" open>')
    result = element(block, "measures-result")
    assert "Medida 8 agregada." in result
    assert 'role="status"' in result
    assert 'class="messages"' not in page
    assert course.measures.count() == 8


def test_an_empty_measure_form_is_refused_in_place(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    response = client.post(f"{page_of(course)}measures/", {})

    page = client.get(response["Location"]).content.decode()
    error = element(element(page, "add-measure"), "measures-result")
    assert 'role="alert"' in error
    assert "message-error" in error
    assert 'class="messages"' not in page
    assert course.measures.count() == 7


def test_a_refused_measure_comes_back_as_it_was_typed_once(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)
    typed = "Reinstalar a las 12 personas despedidas <línea 3> & pagar salarios"

    response = client.post(
        f"{page_of(course)}measures/",
        {"type": "reinstatement", "description": typed, "due_date": "31/31/2030"},
    )

    page = client.get(response["Location"]).content.decode()
    block = element(page, "add-measure")
    assert 'role="alert"' in element(block, "measures-result")
    assert '<option value="reinstatement" selected>' in block
    assert escape(typed) in block
    assert course.measures.count() == 7
    # Shown once: the next visit has the form empty again
    again = element(client.get(page_of(course)).content.decode(), "add-measure")
    assert escape(typed) not in again


def test_closing_with_unverified_measures_is_refused_beside_the_close_form(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    response = client.post(
        f"{page_of(course)}close/",
        {"outcome": "completed", "closed_on": "2024-01-10", "tab": "partes"},
    )

    # Back to the tab the user had open, landing on the reason.
    assert response["Location"] == f"{page_of(course)}?tab=partes#close-result"
    page = client.get(response["Location"]).content.decode()
    block = element(page, "close")
    assert block.startswith('<details id="close" open>')
    error = element(block, "close-result")
    assert 'role="alert"' in error
    assert "verificadas" in error
    assert 'class="messages"' not in page
    # The form comes back as it was sent
    assert '<option value="completed" selected>' in block
    assert 'value="2024-01-10"' in block
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    assert course.closed_on is None


def test_parties_are_added_and_removed_in_their_tab(
    client, enter, world: World, course: Course
) -> None:
    enter(world.monitor)

    added = client.post(
        f"{page_of(course)}parties/", {"role": "union", "name": "Sindicato Nuevo"}
    )

    assert added["Location"] == f"{page_of(course)}?tab=partes#parties-result"
    page = client.get(added["Location"]).content.decode()
    assert "Parte agregada." in element(element(page, "parties"), "parties-result")
    assert "Sindicato Nuevo" in element(page, "party-list")
    party = CourseParty.objects.get(course=course, name="Sindicato Nuevo")

    removed = client.post(f"{page_of(course)}parties/{party.pk}/remove/")
    page = client.get(removed["Location"]).content.decode()
    assert "Parte retirada del plan." in element(page, "parties-result")
    assert "Sindicato Nuevo" not in element(page, "party-list")

    # A party without a name: refused in place, nothing added.
    refused = client.post(f"{page_of(course)}parties/", {"role": "union"})
    page = client.get(refused["Location"]).content.decode()
    assert 'role="alert"' in element(element(page, "parties"), "parties-result")
    assert course.parties.count() == 3


def test_the_monitor_closes_a_course_whose_measures_are_verified(
    client, enter, world: World, course: Course
) -> None:
    Measure.objects.filter(course=course).update(status="verified")
    enter(world.monitor)

    response = client.post(
        f"{page_of(course)}close/", {"outcome": "completed", "closed_on": "2024-01-10"}
    )

    page = client.get(response["Location"]).content.decode()
    assert "Plan cerrado: Cumplido." in element(page, "close-result")
    status = element(page, "course-status")
    assert 'class="badge-status status-completed"' in status
    assert date_words(dt.date(2024, 1, 10)) in status
    # Closed: nothing left to change, so no add form.
    assert 'id="measure-add"' not in page


def test_the_linked_rrm_case_is_named_in_the_readers_language(
    client, enter, world: World, course: Course
) -> None:
    # The public record's cases carry the sources' English name and ours in
    # Spanish: a Spanish page never shows the English one ("INISA denim
    # garment plant (near Rincon de Romos)" beside Spanish words).
    from remedia.rrm.models import RrmCase

    course.rrm_case = RrmCase.objects.create(
        slug="prueba-nombres",
        facility_name="Test denim garment plant (near Rincon de Romos)",
        facility_name_es="Planta de mezclilla de prueba (cerca de Rincón de Romos)",
    )
    course.save(update_fields=["rrm_case"])
    enter(world.monitor)

    spanish = element(client.get(page_of(course)).content.decode(), "course-header")
    assert "Planta de mezclilla de prueba (cerca de Rincón de Romos)" in spanish
    assert "denim" not in spanish
    english = element(
        client.get(page_of(course), HTTP_ACCEPT_LANGUAGE="en").content.decode(),
        "course-header",
    )
    assert "Test denim garment plant (near Rincon de Romos)" in english
