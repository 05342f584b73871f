"""Issue 22.2 on the staff petition page: a summary column with the stage, the
treaty's clock in words, who holds it and what is due next; the forms that
change it folded in the summary, each showing its result in place; tabs for
the steps, documents, notes, the linked course of remediation and history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from remedia.core.words import date_words
from remedia.remediation import services as remediation
from remedia.rrm import selectors
from remedia.rrm.models import RrmCase, RrmNote
from tests.rrm.world import _clear_cache, petition  # noqa: F401
from tests.support.actors import staff_member
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory
from tests.support.html import element

pytestmark = pytest.mark.django_db


@pytest.fixture
def enter(log_in_verified):
    def log(staff):
        totp_device(staff.user)
        assert log_in_verified(staff.user).status_code == 302
        return staff.user

    return log


def page_of(case: RrmCase) -> str:
    return f"/staff/rrm/{case.pk}/"


def test_the_summary_says_stage_clock_holder_and_next_step_in_words(
    client, enter, analyst
):
    enter(analyst)
    received = timezone.localdate() - dt.timedelta(days=5)
    case = petition(analyst, petition_received_on=received)

    page = client.get(page_of(case)).content.decode()

    summary = element(page, "petition-header")
    assert 'class="card ws-lead"' in summary
    aside = page.index('<aside class="ws-summary"')
    assert aside < page.index(summary) < page.index('<div class="ws-main">')
    stage = element(page, "rrm-stage")
    assert 'class="badge-status status-petition_filed"' in stage
    assert "Petición presentada" in stage
    assert analyst.user.memberships.first().organisation.name in element(
        page, "rrm-organisation"
    )
    # The ILC's 30 days from the petition (to a business day): the next step,
    # in words.
    today = timezone.localdate()
    due = selectors.next_step(selectors.staff_steps(case, today=today), today=today)
    assert due is not None
    assert due.step == "ilc_determination"
    left = f"quedan {due.days_left} días"
    upcoming = element(page, "rrm-next")
    assert "Determinación del ILC" in upcoming
    assert left in upcoming
    assert date_words(due.due_business) in upcoming
    clock = element(page, "rrm-clock")
    assert 'data-step="ilc_determination"' in clock
    assert left in clock
    # Dates in words, never as Y-m-d text.
    assert date_words(received) in element(page, "rrm-timeline")
    assert f">{received.isoformat()}<" not in page
    # The tabs are links that work without JavaScript; the first is open.
    tabs = element(page, "tab-pasos")
    assert 'aria-current="page"' in tabs
    for key in ("documentos", "notas", "curso", "historial"):
        assert f'href="?tab={key}"' in page


def test_an_advance_is_confirmed_beside_the_advance_forms(client, enter, analyst):
    enter(analyst)
    case = petition(analyst, petition_received_on=dt.date(2024, 1, 10))

    response = client.post(
        f"{page_of(case)}advance/",
        {
            "ilc_determination-to_stage": "ilc_determination",
            "ilc_determination-on": "2024-02-01",
            "ilc_determination-affirmative": "yes",
            "tab": "notas",
        },
    )

    # Back to the tab the user had open, landing on the message.
    assert response["Location"] == f"{page_of(case)}?tab=notas#advance-result"
    page = client.get(response["Location"]).content.decode()
    result = element(page, "advance-result")
    assert "Etapa: Determinación del ILC." in result
    assert 'role="status"' in result
    assert "advance-result" in element(page, "advance")
    assert 'class="messages"' not in page
    case.refresh_from_db()
    assert case.stage == "ilc_determination"


def test_a_refused_advance_shows_its_reason_in_that_stage_form_and_changes_nothing(
    client, enter, analyst
):
    enter(analyst)
    case = petition(analyst, petition_received_on=dt.date(2024, 1, 10))

    # A determination dated before the petition was received.
    response = client.post(
        f"{page_of(case)}advance/",
        {
            "ilc_determination-to_stage": "ilc_determination",
            "ilc_determination-on": "2024-01-05",
            "ilc_determination-affirmative": "yes",
        },
    )

    assert response["Location"] == (f"{page_of(case)}#advance-ilc_determination-result")
    page = client.get(response["Location"]).content.decode()
    form = element(page, "advance-ilc_determination")
    assert form.startswith(
        '<details class="advance-stage" id="advance-ilc_determination" open>'
    )
    error = element(form, "advance-ilc_determination-result")
    assert 'role="alert"' in error
    assert "message-error" in error
    assert 'class="messages"' not in page
    # The form comes back as it was sent, to be corrected, not typed again
    assert 'value="2024-01-05"' in form
    assert '<option value="yes" selected>' in form
    case.refresh_from_db()
    assert case.stage == "petition_filed"
    assert case.ilc_determination_on is None
    # Once: the next visit shows the form empty, and no other stage's form
    # ever held those values
    again = element(client.get(page_of(case)).content.decode(), "advance")
    assert "2024-01-05" not in again
    assert '<option value="yes" selected>' not in again
    assert "2024-01-05" not in page.replace(form, "")

    # A stage the procedure does not allow next: refused in the advance block.
    response = client.post(
        f"{page_of(case)}advance/",
        {"remedies-to_stage": "remedies", "remedies-on": "2024-02-01"},
    )
    assert response["Location"] == f"{page_of(case)}#advance-result"
    page = client.get(response["Location"]).content.decode()
    assert "Esa etapa no puede seguir a la actual" in element(page, "advance")
    case.refresh_from_db()
    assert case.stage == "petition_filed"


def test_notes_and_documents_confirm_in_their_tabs(client, enter, analyst):
    enter(analyst)
    case = petition(analyst)

    empty = client.post(f"{page_of(case)}notes/", {"body": "  "})
    assert empty["Location"] == f"{page_of(case)}?tab=notas#notes-result"
    page = client.get(empty["Location"]).content.decode()
    assert 'role="alert"' in element(page, "notes-result")
    assert 'class="messages"' not in page
    assert not RrmNote.objects.filter(case=case).exists()

    saved = client.post(f"{page_of(case)}notes/", {"body": "Llamar al sindicato."})
    page = client.get(saved["Location"]).content.decode()
    assert element(page, "notes-result").endswith("Nota guardada.</div>")
    assert "Llamar al sindicato." in element(page, "note-list")
    assert 'aria-current="page"' in element(page, "tab-notas")

    no_file = client.post(f"{page_of(case)}documents/", {})
    assert no_file["Location"] == f"{page_of(case)}?tab=documentos#documents-result"
    page = client.get(no_file["Location"]).content.decode()
    assert "Elija un archivo." in element(page, "documents")


def test_publishing_is_confirmed_in_the_public_record_form(client, enter, analyst):
    enter(analyst)
    case = petition(analyst)

    response = client.post(f"{page_of(case)}publish/", {"public": "1"})

    assert response["Location"] == f"{page_of(case)}#publish-result"
    page = client.get(response["Location"]).content.decode()
    block = element(page, "publish")
    assert block.startswith('<details id="publish" open>')
    assert "El caso aparece ahora en el registro público." in block
    case.refresh_from_db()
    assert case.is_public


def test_the_course_tab_lists_the_courses_that_follow_the_petition(
    client, enter, analyst, orgs
):
    case = petition(analyst)
    monitor = staff_member(orgs.agu, "moni", role="monitor")
    course = remediation.course_create(
        user=monitor.user,
        title="Plan de la petición",
        facility=FacilityFactory(name="Textil de Aguascalientes"),
        origin="rrm",
        rrm_case=case,
        deadline=timezone.localdate() + dt.timedelta(days=10),
        measures=[remediation.MeasureSpec(type="neutrality_statement")],
    )
    enter(analyst)

    page = client.get(page_of(case), {"tab": "curso"}).content.decode()

    listed = element(page, "petition-courses")
    assert f'href="/staff/remediation/{course.pk}/"' in listed
    assert "Plan de la petición" in listed
    assert "vence en 10 días" in listed
    assert "0 de 1 medidas verificadas (0 %)." in listed
    # Another petition has none.
    other = petition(analyst, facility_name="Otra planta")
    page = client.get(page_of(other), {"tab": "curso"}).content.decode()
    assert "Ningún plan de remediación que usted pueda ver" in element(page, "course")
