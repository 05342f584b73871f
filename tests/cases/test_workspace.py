"""Issue 22: the case page as a workspace and the home page's counts.

The creator holds a case opened from the page; no case is preselected as a
merge target; an action's message lands beside its form; each count on the
home page equals the rows of the list it links to.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from remedia.cases import services
from remedia.cases.models import Case, CaseStatus, CaseTask
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory
from tests.support.waiting import table_rows as _rows
from tests.support.waiting import waiting_on_home as _waiting

TRIAGE_ACTION = "/staff/cases/triage/action/"
HOME = "/staff/"
LIST = "/staff/cases/"


def detail(case: Case) -> str:
    return f"/staff/cases/{case.pk}/"


@pytest.fixture
def logged_in(client, log_in_verified):
    def enter(staff: Any) -> Any:
        totp_device(staff.user)
        response = log_in_verified(staff.user)
        assert response.status_code == 302, response.content[:500]
        return staff.user

    return enter


@pytest.fixture
def two_reports(report_in):
    facility = FacilityFactory(name="Confecciones del Norte", state="MX-AGU")
    return [
        report_in(facility_id=facility.pk, facility_name="").report for _ in range(2)
    ]


# --- The creator is assigned; no merge target is preselected ---------------------------


def test_the_handler_who_opens_a_case_from_the_page_is_its_assignee(
    client, logged_in, agu_handler, two_reports
):
    # Given a handler and two reports in triage
    user = logged_in(agu_handler)

    # When they open a case with both
    response = client.post(
        TRIAGE_ACTION,
        {"action": "open", "report_ids": [str(r.pk) for r in two_reports]},
    )

    # Then the case is theirs, and the page names them, not "nadie"
    case = Case.objects.get()
    assert response["Location"] == detail(case)
    assert case.assignee_id == user.pk
    page = client.get(detail(case)).content.decode()
    assigned = re.search(r'id="case-assignee">(.*?)</dd>', page, re.S)
    assert assigned
    assert assigned.group(1).strip() == (user.get_full_name() or user.username)


def test_the_service_assigns_nobody_unless_asked(agu_handler, two_reports):
    case = services.case_open(
        report_ids=[r.pk for r in two_reports], user=agu_handler.user
    )
    assert case.assignee_id is None


def test_the_report_page_preselects_no_case_to_merge_into(
    client, logged_in, agu_handler, two_reports, report_in
):
    # Given an active case of the same facility, and a new report about it
    user = logged_in(agu_handler)
    services.case_open(report_ids=[two_reports[0].pk], user=user)
    facility_id = two_reports[0].facility_id
    new = report_in(facility_id=facility_id, facility_name="").report

    # When the handler opens the new report's page
    page = client.get(f"/staff/reports/{new.pk}/").content.decode()

    # Then the case is offered, but no radio button is checked
    radios = re.findall(r'<input type="radio" name="case_id"[^>]*>', page)
    assert radios
    assert not any("checked" in r for r in radios)
    # And "join" without a choice changes nothing
    response = client.post(
        TRIAGE_ACTION,
        {"action": "add", "report_ids": [str(new.pk)], "back": str(new.pk)},
    )
    assert response["Location"] == f"/staff/reports/{new.pk}/#cases-result"
    assert not new.case_links.exists()
    # And the reason is shown in the case section, not at the top of the page
    page = client.get(response["Location"]).content.decode()
    section = page.split('id="report-cases"', 1)[1].split("</section>", 1)[0]
    assert 'id="cases-result"' in section
    assert "Elija el caso al que se unen." in section
    assert 'class="messages"' not in page


# --- Messages where the action happened -----------------------------------------------


def test_a_refused_status_change_is_shown_beside_the_status_form(
    client, logged_in, agu_handler, two_reports
):
    user = logged_in(agu_handler)
    case = services.case_open(report_ids=[r.pk for r in two_reports], user=user)

    response = client.post(
        f"{detail(case)}status/", {"status": "closed", "tab": "notas"}
    )

    # The redirect keeps the tab and lands on the message
    assert response["Location"] == f"{detail(case)}?tab=notas#status-result"
    page = client.get(response["Location"]).content.decode()
    block = re.search(r'<details id="status" open>(.*?)</details>', page, re.S)
    assert block, "the status form is open, with its message"
    assert 'id="status-result"' in block.group(1)
    assert 'role="alert"' in block.group(1)
    assert "Para cerrar un caso" in block.group(1)
    assert 'class="messages"' not in page
    # The status chosen comes back chosen, to be completed with a reason
    assert '<option value="closed" selected>' in block.group(1)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_a_task_is_confirmed_in_the_tasks_tab(
    client, logged_in, agu_handler, two_reports
):
    user = logged_in(agu_handler)
    case = services.case_open(report_ids=[r.pk for r in two_reports], user=user)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()

    response = client.post(
        f"{detail(case)}tasks/",
        {"title": "Pedir la lista de turnos", "owner_id": str(user.pk), "due_on": due},
    )

    assert response["Location"] == f"{detail(case)}?tab=tareas#tasks-result"
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'id="tasks-result"[^>]*>([^<]*)<', page)
    assert found
    assert found.group(1).startswith("Tarea creada para ")
    assert "Pedir la lista de turnos" in page


def test_a_refused_task_comes_back_as_typed_and_a_refused_note_never_does(
    client, logged_in, agu_handler, two_reports
):
    user = logged_in(agu_handler)
    case = services.case_open(report_ids=[r.pk for r in two_reports], user=user)
    title = "Pedir la lista de turnos de la línea 3 & del turno nocturno"

    # A task whose date is not a date: refused, its title and owner kept
    response = client.post(
        f"{detail(case)}tasks/",
        {"title": title, "owner_id": str(user.pk), "due_on": "mañana"},
    )
    page = client.get(response["Location"]).content.decode()
    form = re.search(r'<form[^>]*action="[^"]*/tasks/"[^>]*>(.*?)</form>', page, re.S)
    assert form, "the task form is on the page"
    assert f'value="{escape(title)}"' in form.group(1)
    assert f'<option value="{user.pk}" selected>' in form.group(1)
    assert not CaseTask.objects.filter(case=case).exists()
    # Once only
    assert escape(title) not in client.get(response["Location"]).content.decode()

    # A note is sealed: a refused one is never kept in the session
    too_long = "Nota reservada " * 2000
    client.post(f"{detail(case)}notes/", {"body": too_long})
    assert "placed-values" not in client.session
    assert "Nota reservada" not in client.get(detail(case)).content.decode()


# --- The home page's counts equal the rows of their lists ------------------------------


def test_home_counts_equal_the_rows_of_the_lists_they_link(
    client, logged_in, agu_handler, agu_colleague, two_reports, report_in
):
    # Given one overdue case, one on time, and a case with an overdue task of mine
    user = logged_in(agu_handler)
    late = services.case_open(report_ids=[two_reports[0].pk], user=user)
    on_time = services.case_open(report_ids=[two_reports[1].pk], user=user)
    task = services.case_task_add(
        case=on_time,
        user=user,
        title="Llamar",
        owner_id=user.pk,
        due_on=timezone.localdate() + timedelta(days=1),
    )
    CaseTask.objects.filter(pk=task.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    # A colleague's overdue task is not mine
    other = services.case_task_add(
        case=late,
        user=user,
        title="Visitar",
        owner_id=agu_colleague.user.pk,
        due_on=timezone.localdate() + timedelta(days=1),
    )
    CaseTask.objects.filter(pk=other.pk).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    report_in()  # one report still in triage
    # (After the tasks: writing a task recomputes the case's due time.)
    Case.objects.filter(pk=late.pk).update(
        next_due_at=timezone.now() - timedelta(hours=2)
    )

    # When the handler opens home
    home = client.get(HOME).content.decode()

    # Then each count leads to a list with that many rows
    expected = {
        "cases.overdue": 1,
        "cases.my_tasks_overdue": 1,
        "cases.triage": 1,
    }
    for key, count in expected.items():
        shown, url = _waiting(home, key)
        assert shown == count, key
        assert _rows(client.get(url).content.decode()) == count, key
    assert _waiting(home, "cases.my_tasks_overdue")[1] == f"{LIST}?tasks=mine_overdue"
    overdue_tasks = client.get(f"{LIST}?tasks=overdue").content.decode()
    assert _rows(overdue_tasks) == 2
    # And the API line is for administrators only
    assert "/api/v1/docs" not in home


def test_the_menu_marks_the_current_page(client, logged_in, agu_handler):
    logged_in(agu_handler)
    page = client.get("/staff/cases/triage/").content.decode()
    current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', page)
    # Triage, not its parent "Casos"; once in the wide menu and once in the phone's
    assert current == ["/staff/cases/triage/", "/staff/cases/triage/"]


def test_the_menu_carries_the_home_counts_to_other_pages_for_that_user_only(
    client, logged_in, agu_handler, report_in
):
    # Given a report waiting for triage, and the handler's home counted it
    logged_in(agu_handler)
    report_in()
    assert client.get(HOME).status_code == 200

    # When they open another page, its menu shows the count (from a signed cookie)
    page = client.get(LIST).content.decode()
    triage = re.search(
        r'<a href="/staff/cases/triage/" aria-describedby="(nav-count-\d+)">Triaje '
        r'<span class="badge" aria-hidden="true">1</span></a>'
        r'<span class="visually-hidden" id="\1">1 pendiente</span>',
        page,
    )
    assert triage

    # And a tampered cookie shows nothing
    cookie = client.cookies["remedia_waiting"].value
    client.cookies["remedia_waiting"] = cookie[:-2] + (
        "xx" if cookie[-2:] != "xx" else "yy"
    )
    assert 'aria-describedby="nav-count-' not in client.get(LIST).content.decode()
