"""Query counts pinned for the staff reads not pinned beside their own tests:
the report detail (API), the inbox page, and the case page.

Each read is measured with N items and with 3N: the count must be the same (no
query per item), and below a bound, so a regression fails here rather than in
a bench. Counts can differ by database (savepoints), so the bounds are taken
from the run itself and checked against a ceiling that holds on both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.cases import services
from remedia.intake import services as intake
from tests.intake.support import png_with_text
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory

REPORTS = "/api/v1/reports"
INBOX = "/staff/reports/"
CASE_PAGE = "/staff/cases/{}/"


@pytest.fixture
def logged_in(client, log_in_verified):
    """Log a fixture's staff member in through the form (key unlocked)."""

    def enter(staff: Any) -> Any:
        totp_device(staff.user)
        response = log_in_verified(staff.user)
        assert response.status_code == 302, response.content[:500]
        return staff.user

    return enter


def _count(client, url: str, **kwargs: Any) -> int:
    # A first read settles what any busy server has cached already (the
    # token's "last used" stamp, totals, choices).
    assert client.get(url, **kwargs).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured)


def test_report_detail_query_count_does_not_grow_with_messages(
    client, agu_handler, report_in, django_assert_max_num_queries
):
    # Given a report with a facility, categories and two replies
    facility = FacilityFactory(state="MX-AGU")
    report = report_in(
        facility_id=facility.pk, categories=["wages", "hours", "threats"]
    ).report
    user = agu_handler.user

    def reply(n: int) -> None:
        for i in range(n):
            intake.staff_reply(report=report, user=user, body=f"Respuesta {i}")

    reply(2)
    url = f"{REPORTS}/{report.pk}"
    few = _count(client, url, headers=agu_handler.headers)

    # When it has six
    reply(4)
    many = _count(client, url, headers=agu_handler.headers)

    # Then reading it takes exactly as many queries, and few of them
    body = client.get(url, headers=agu_handler.headers).json()
    assert len(body["messages"]) == 6
    assert many == few
    assert few <= 16
    with django_assert_max_num_queries(few):
        client.get(url, headers=agu_handler.headers)


def test_inbox_page_query_count_does_not_grow_with_reports(
    client, logged_in, agu_handler, report_in, django_capture_on_commit_callbacks
):
    logged_in(agu_handler)

    def add(n: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for i in range(n):
                report_in(
                    facility_id=FacilityFactory(state="MX-AGU").pk if i % 2 else None,
                    categories=["wages", "hours"] if i % 3 else ["threats"],
                )

    add(5)
    few = _count(client, INBOX)
    add(10)
    many = _count(client, INBOX)

    page = client.get(INBOX)
    assert page.status_code == 200
    assert many == few
    assert few <= 9


def test_case_page_query_count_does_not_grow_with_its_contents(
    client, logged_in, agu_handler, agu_colleague, report_in
):
    user = logged_in(agu_handler)
    facility = FacilityFactory(state="MX-AGU")
    case = services.case_open(
        report_ids=[report_in(facility_id=facility.pk).report.pk], user=user
    )
    due = timezone.localdate() + timedelta(days=5)

    def work(n: int) -> None:
        more = [report_in(facility_id=facility.pk).report.pk for _ in range(n)]
        services.case_reports_add(case=case, report_ids=more, user=user)
        for i in range(n):
            services.case_note_add(case=case, user=user, body=f"Nota {i}")
            task = services.case_task_add(
                case=case,
                user=user,
                title=f"Tarea {i}",
                owner_id=(user if i % 2 else agu_colleague.user).pk,
                due_on=due,
            )
            if i % 2:
                services.case_task_done(task=task, user=user)
            services.case_document_add(
                case=case, user=user, name=f"doc{i}.png", data=png_with_text("x")
            )

    # The page is a workspace (issue 22): only the open tab is read and drawn.
    # The reports tab opens one report's words and messages (an audited read
    # like the report page's), which is why its ceiling is above the others'.
    base = CASE_PAGE.format(case.pk)
    tabs = {
        "": 30,
        "?tab=tareas": 22,
        "?tab=notas": 22,
        "?tab=documentos": 22,
        "?tab=historial": 24,
    }
    work(2)
    few = {tab: _count(client, base + tab) for tab in tabs}
    work(4)
    many = {tab: _count(client, base + tab) for tab in tabs}

    page = client.get(base + "?tab=notas")
    assert page.status_code == 200
    assert page.content.count(b"Nota ") >= 6
    assert many == few
    for tab, ceiling in tabs.items():
        assert few[tab] <= ceiling, (tab, few[tab])
