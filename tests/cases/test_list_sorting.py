"""The case list sorted by its columns (issue 22.1): `?orden=` changes the
database's order, the headers turn it and keep the filters, an unknown key is
said on the page, the export carries the order, and it costs no query more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from remedia.cases import services
from remedia.cases.models import Case, CaseStatus, Severity
from remedia.core.models import ExportJob
from tests.support.lists import exported_csv, form_html, page_queries

pytestmark = pytest.mark.django_db

LIST = "/staff/cases/"
EXPORT = "/staff/cases/export/"


@pytest.fixture
def three(agu_handler, agu_colleague, report_in) -> list[Case]:
    """Three cases in the order they were numbered: the first critical, open
    and nobody's; the second low, under investigation, the colleague's (Ana
    Alba) and with no deadline; the third urgent, medium, resolved, the
    handler's (Zoila Zamora) and due soonest."""
    user = agu_handler.user
    made = [
        services.case_open(report_ids=[report_in().report.pk], user=user)
        for _ in range(3)
    ]
    now = timezone.now()
    Case.objects.filter(pk=made[0].pk).update(
        severity=Severity.CRITICAL, next_due_at=now + timedelta(days=9)
    )
    Case.objects.filter(pk=made[1].pk).update(
        severity=Severity.LOW,
        assignee=agu_colleague.user,
        status=CaseStatus.INVESTIGATING,
        next_due_at=None,
    )
    Case.objects.filter(pk=made[2].pk).update(
        severity=Severity.MEDIUM,
        assignee=user,
        urgent=True,
        status=CaseStatus.RESOLVED,
        next_due_at=now + timedelta(days=1),
    )
    agu_handler.user.first_name, agu_handler.user.last_name = "Zoila", "Zamora"
    agu_handler.user.save(update_fields=["first_name", "last_name"])
    agu_colleague.user.first_name, agu_colleague.user.last_name = "Ana", "Alba"
    agu_colleague.user.save(update_fields=["first_name", "last_name"])
    return made


def _numbers(client: Any, query: str = "") -> list[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [row.case.number for row in response.context["rows"]]


def test_each_key_orders_the_rows_both_ways(client, enter, agu_handler, three):
    enter(agu_handler)
    first, second, third = (c.number for c in three)

    # The list's own order: urgent first, then the nearest due time, none last
    assert _numbers(client) == [third, first, second]
    assert _numbers(client, "orden=numero") == [first, second, third]
    assert _numbers(client, "orden=-numero") == [third, second, first]
    assert _numbers(client, "orden=gravedad") == [second, third, first]
    assert _numbers(client, "orden=-gravedad") == [first, third, second]
    # The workflow's order, not the codes' spelling
    assert _numbers(client, "orden=estado") == [first, second, third]
    assert _numbers(client, "orden=-estado") == [third, second, first]
    # No deadline stays last both ways
    assert _numbers(client, "orden=plazo") == [third, first, second]
    assert _numbers(client, "orden=-plazo") == [first, third, second]
    # By the name shown; nobody's case last both ways
    assert _numbers(client, "orden=responsable") == [second, third, first]
    assert _numbers(client, "orden=-responsable") == [third, second, first]
    # With a filter, the order applies to what is left
    assert _numbers(client, "status=active&orden=-numero") == [second, first]


def test_an_unknown_key_is_said_and_the_list_keeps_its_order(
    client, enter, agu_handler, three
):
    enter(agu_handler)

    response = client.get(f"{LIST}?orden=precio")

    assert response.status_code == 200
    html = response.content.decode()
    assert "La lista no se puede ordenar por «precio»" in html
    assert 'role="alert"' in html
    assert [r.case.number for r in response.context["rows"]] == _numbers(client)
    assert "aria-sort" not in html


def test_headers_turn_the_order_keep_filters_and_say_aria_sort(
    client, enter, agu_handler, three
):
    enter(agu_handler)

    html = client.get(f"{LIST}?status=active&orden=gravedad&page=1").content.decode()

    thead = html[html.index("<thead>") : html.index("</thead>")]
    assert thead.count("aria-sort=") == 1
    assert (
        'aria-sort="ascending"><a href="?status=active&amp;orden=-gravedad">' in thead
    )
    assert 'href="?status=active&amp;orden=numero"' in thead
    assert "page=" not in thead
    # The phone's way: the same keys in the filter form, this one chosen
    form = form_html(html, "case-filters")
    assert '<option value="gravedad" selected>Gravedad, ascendente</option>' in form
    assert '<option value="">Urgentes y plazo más próximo primero</option>' in form
    # Sorting is no filter: no "Quitar filtros" for it alone
    assert "Quitar filtros" not in client.get(f"{LIST}?orden=numero").content.decode()


def test_the_export_carries_the_order(
    client, enter, agu_handler, three, django_capture_on_commit_callbacks
):
    enter(agu_handler)
    html = client.get(f"{LIST}?status=active&orden=-numero").content.decode()
    export = form_html(html, "case-export")
    assert '<input type="hidden" name="orden" value="-numero">' in export
    assert '<input type="hidden" name="status" value="active">' in export

    rows = exported_csv(
        client,
        django_capture_on_commit_callbacks,
        EXPORT,
        {"status": "active", "orden": "-numero"},
    )
    assert [r[0] for r in rows[1:]] == _numbers(client, "status=active&orden=-numero")
    assert [r[0] for r in rows[1:]] == [three[1].number, three[0].number]

    # An order the list does not know is refused and nothing is queued
    refused = client.post(EXPORT, {"orden": "precio", "format": "csv"})
    assert refused.status_code == 302
    assert refused["Location"] == f"{LIST}?orden=precio"
    assert ExportJob.objects.count() == 1


def test_a_sorted_list_costs_no_query_more(
    client, enter, agu_handler, three, django_capture_on_commit_callbacks
):
    enter(agu_handler)

    plain = page_queries(client, LIST)
    for key in ("numero", "-estado", "gravedad", "-plazo", "responsable"):
        assert page_queries(client, f"{LIST}?orden={key}") == plain, key
