"""The staff dashboard: tallies equal direct counts, filters, scoping, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from openpyxl import load_workbook

from remedia.analytics import exports, services
from remedia.analytics.models import CaseTally, FacilityTally, Refresh, ReportTally
from remedia.analytics.selectors import Filters, Row, Table, dashboard
from remedia.cases.models import ACTIVE_STATUSES, Case, CaseCategory, CaseStatus
from remedia.core.audit import AuditEntry
from remedia.intake.models import Report, ReportCategory
from tests.analytics.support import generate, month_start
from tests.support.factories.accounts import member, totp_device
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_a, org_b):
    facilities = [
        FacilityFactory(name="Textiles del Norte", state="MX-NLE"),
        FacilityFactory(name='=HYPERLINK("x")', state="MX-PUE"),
        FacilityFactory(name="Maquila Sur", state="MX-AGU"),
    ]
    generate(organisations=[org_a, org_b], facilities=facilities)
    services.refresh()
    return facilities


def _values(table: Table) -> dict[str, int]:
    return {row.key: row.values[0] for row in table.rows}  # type: ignore[misc]


def _reports(org, filters: Filters):
    qs = Report.objects.filter(recipients__organisation=org)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.facility_id:
        qs = qs.filter(facility_id=filters.facility_id)
    if filters.since:
        qs = qs.filter(created_at__date__gte=filters.since.replace(day=1))
    if filters.until:
        qs = qs.filter(created_at__date__lte=filters.until)
    if filters.category:
        qs = qs.filter(category_rows__code=filters.category)
    return qs


def _board(user, filters: Filters | None = None):
    return dashboard(viewer=user, filters=filters or Filters())


FILTER_CASES = [
    Filters(),
    Filters(state="MX-PUE"),
    Filters(category="threats"),
    Filters(state="MX-AGU", category="intimidation"),
    Filters(since=month_start(3).date(), until=month_start(1).date()),
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_report_figures_equal_a_direct_count(world, handler, org_a, filters):
    board = _board(handler, filters)
    reports = _reports(org_a, filters)
    direct_state = {
        r["state"]: r["n"]
        for r in reports.order_by()
        .values("state")
        .annotate(n=Count("id", distinct=True))
    }
    assert sum(direct_state.values()) > 0
    assert _values(board.table("reports_state")) == direct_state
    direct_channel = {
        r["channel"]: r["n"]
        for r in reports.order_by()
        .values("channel")
        .annotate(n=Count("id", distinct=True))
    }
    assert _values(board.table("reports_channel")) == direct_channel
    months = Counter()
    for _pk, created in reports.values_list("pk", "created_at").distinct():
        months[timezone.localtime(created).date().replace(day=1).isoformat()] += 1
    assert _values(board.table("reports_month")) == dict(months)
    cats = ReportCategory.objects.filter(
        report__in=_reports(org_a, filters).values("pk")
    )
    if filters.category:
        cats = cats.filter(code=filters.category)
    direct_category = {
        r["code"]: r["n"]
        for r in cats.order_by().values("code").annotate(n=Count("id"))
    }
    assert _values(board.table("reports_category")) == direct_category


def _cases(org, filters: Filters):
    qs = Case.objects.filter(organisation=org)
    if filters.state:
        qs = qs.filter(facility__state=filters.state)
    if filters.category:
        qs = qs.filter(
            pk__in=CaseCategory.objects.filter(code=filters.category).values("case_id")
        )
    if filters.since:
        qs = qs.filter(received_at__date__gte=filters.since.replace(day=1))
    if filters.until:
        qs = qs.filter(received_at__date__lte=filters.until)
    return qs


def _bucket(seconds):
    if seconds is None:
        return "pending"
    days = seconds / 86400
    return (
        "30" if days <= 30 else "90" if days <= 90 else "180" if days <= 180 else "181"
    )


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_case_figures_equal_a_direct_count(world, handler, org_a, filters):
    board = _board(handler, filters)
    cases = list(_cases(org_a, filters))
    assert cases
    statuses = Counter(c.status for c in cases)
    assert _values(board.table("cases_status")) == {
        s: statuses.get(s, 0) for s in CaseStatus.values
    }
    now = timezone.now()
    active = [c for c in cases if c.status in ACTIVE_STATUSES]
    overdue = [c for c in active if c.next_due_at and c.next_due_at < now]
    assert _values(board.table("cases_open")) == {
        "open": len(active),
        "overdue": len(overdue),
    }
    times = {row.key: row.values for row in board.table("case_times").rows}
    for index, field in enumerate(
        ("acknowledge_seconds", "first_response_seconds", "resolution_seconds")
    ):
        direct = Counter(_bucket(getattr(c, field)) for c in cases)
        assert {k: v[index] for k, v in times.items()} == {
            k: direct.get(k, 0) for k in ("pending", "30", "90", "180", "181")
        }


def test_another_organisations_figures_are_never_shown(world, handler, org_a, org_b):
    mine = _board(handler)
    assert [o.pk for o in mine.organisations] == [org_a.pk]
    total_a = Report.objects.filter(recipients__organisation=org_a).distinct().count()
    assert sum(_values(mine.table("reports_channel")).values()) == total_a
    assert (
        total_a
        != Report.objects.filter(recipients__organisation__in=[org_a, org_b])
        .distinct()
        .count()
    )


@pytest.fixture
def signed_in(client, world, handler, log_in_verified):
    assert log_in_verified(handler).status_code == 302
    return client


def test_page_shows_figures_with_links_and_as_of(
    signed_in, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = signed_in.get("/staff/cifras/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Cifras al" in body
    # When they were computed, in words for people and ISO for machines.
    assert 'Cifras al <time datetime="' in body
    assert not re.search(r"Cifras al \d{4}-\d{2}-\d{2}", body)
    for key in (
        "reports_category",
        "reports_state",
        "reports_channel",
        "reports_month",
        "cases_open",
        "cases_status",
        "case_times",
        "rrm_durations",
    ):
        assert f'id="table-{key}"' in body
    assert "<svg" in body
    assert "/staff/cases/?status=active" in body
    assert "/staff/cases/?overdue=1" in body
    assert "/staff/cifras/tablas/reports_state.csv" in body


def test_query_count_does_not_grow_with_data(
    signed_in, org_a, django_assert_max_num_queries
):
    generate(organisations=[org_a], facilities=[], reports=400, cases=200, seed=3)
    services.refresh()
    with django_assert_max_num_queries(30):
        assert (
            signed_in.get("/staff/cifras/?category=threats&state=MX-PUE").status_code
            == 200
        )


def test_the_other_organisation_is_refused(signed_in, org_b):
    response = signed_in.get(f"/staff/cifras/?organisation={org_b.pk}")
    assert response.status_code == 400
    assert "no está entre las opciones" in response.content.decode()
    response = signed_in.get(
        f"/staff/cifras/tablas/reports_state.csv?organisation={org_b.pk}"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-05-01&until=2026-01-01", "El periodo termina antes de empezar"),
        ("since=ayer", "AAAA-MM-DD"),
        ("state=MX-XXX", "no está entre las opciones"),
        ("category=%3Dcmd", "no está entre las opciones"),
        ("facility=00000000-0000-0000-0000-000000000000", "no está entre las opciones"),
    ],
)
def test_bad_filters_are_a_clear_message(signed_in, query, message):
    response = signed_in.get(f"/staff/cifras/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    export = signed_in.get(f"/staff/cifras/tablero.xlsx?{query}")
    assert export.status_code == 400
    assert message in export.content.decode()


def test_filters_apply_to_the_page(signed_in, world, handler):
    facility = world[0]
    response = signed_in.get(f"/staff/cifras/?facility={facility.pk}&category=threats")
    assert response.status_code == 200
    assert f"facility={facility.pk}" in response.content.decode()
    board = _board(handler, Filters(facility_id=facility.pk, category="threats"))
    assert sum(_values(board.table("reports_channel")).values()) == (
        _reports(
            handler.memberships.first().organisation,
            Filters(facility_id=facility.pk, category="threats"),
        )
        .distinct()
        .count()
    )


def test_csv_and_xlsx_exports_carry_the_filters(signed_in, handler, org_a):
    filters = Filters(state="MX-PUE")
    expected = _values(_board(handler, filters).table("reports_channel"))
    response = signed_in.get("/staff/cifras/tablas/reports_channel.csv?state=MX-PUE")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Canal", "Denuncias"]
    assert sum(int(r[1]) for r in rows[1:]) == sum(expected.values())
    response = signed_in.get("/staff/cifras/tablas/reports_channel.xlsx?state=MX-PUE")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Canal", "Denuncias")
    assert sum(r[1] for r in values[1:]) == sum(expected.values())
    workbook = load_workbook(
        io.BytesIO(signed_in.get("/staff/cifras/tablero.xlsx").content)
    )
    assert len(workbook.sheetnames) >= 8
    assert AuditEntry.objects.filter(action="analytics.export").count() == 3
    assert signed_in.get("/staff/cifras/tablas/nothing.csv").status_code == 404


def test_an_export_of_nothing_is_headers_only(client, org_a, handler, log_in_verified):
    services.refresh()
    assert log_in_verified(handler).status_code == 302
    response = client.get("/staff/cifras/tablas/reports_category.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Categoría", "Denuncias"]]
    response = client.get("/staff/cifras/tablas/reports_category.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True)) == [("Categoría", "Denuncias")]


def test_exported_cells_are_neutralised(handler):
    table = Table(
        key="t",
        title="T",
        description="",
        columns=("Etiqueta", "N"),
        rows=[Row("=SUM(A1)", (1,)), Row("+1", (2,)), Row("@x", (-3,))],
    )
    data = exports.table_csv(user=handler, table=table, filters=Filters())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["'=SUM(A1)", "'+1", "'@x"]
    book = exports.tables_xlsx(
        user=handler, tables=[table], filters=Filters(), what="t"
    )
    sheet = load_workbook(io.BytesIO(book)).active
    cells = list(sheet.iter_rows(values_only=True))[1:]
    assert [c[0] for c in cells] == ["'=SUM(A1)", "'+1", "'@x"]
    assert [c[1] for c in cells] == [1, 2, -3]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_dashboard_as_pdf(signed_in, lang):
    response = signed_in.get(f"/staff/cifras/tablero.pdf?lang={lang}&state=MX-PUE")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert signed_in.get("/staff/cifras/tablero.pdf?lang=fr").status_code == 400


def test_refresh_command_rebuilds_and_records(world, org_a):
    before = ReportTally.objects.count()
    Report.objects.filter(recipients__organisation=org_a).delete()
    out = io.StringIO()
    call_command("analytics_refresh", stdout=out)
    assert "rows in" in out.getvalue()
    assert ReportTally.objects.count() < before
    assert not ReportTally.objects.filter(organisation=org_a).exists()
    assert CaseTally.objects.filter(organisation=org_a).exists()
    run = Refresh.objects.filter(kind=services.KIND).order_by("-started_at").first()
    assert run.finished_at is not None
    assert run.rows == (
        ReportTally.objects.count()
        + CaseTally.objects.count()
        + FacilityTally.objects.count()
    )


def test_home_panel_and_nav(signed_in):
    body = signed_in.get("/staff/").content.decode()
    assert 'data-panel="analytics"' in body
    assert 'href="/staff/cifras/"' in body


def test_without_analytics_the_page_does_not_exist(client, org_a, log_in_verified):
    user = member("protection", org_a, username="pablo")
    totp_device(user)
    assert log_in_verified(user).status_code == 302
    assert client.get("/staff/cifras/").status_code == 404
    assert client.get("/staff/cifras/tablero.xlsx").status_code == 404
    assert 'data-panel="analytics"' not in client.get("/staff/").content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/staff/cifras/")
    assert response.status_code == 302


def test_month_filter_takes_whole_months(handler, world, org_a):
    until = month_start(0).date()
    since = until - dt.timedelta(days=40)
    board = _board(handler, Filters(since=since, until=until))
    months = {row.key for row in board.table("reports_month").rows}
    assert months <= {
        since.replace(day=1).isoformat(),
        (since.replace(day=1) + dt.timedelta(days=32)).replace(day=1).isoformat(),
        until.replace(day=1).isoformat(),
    }


def test_api_gives_the_same_figures(client, world, org_a):
    from tests.support.actors import staff_member

    analyst = staff_member(org_a, "anabel", role="analyst")
    response = client.get(
        "/api/v1/analytics/dashboard?state=MX-PUE", headers=analyst.headers
    )
    assert response.status_code == 200
    tables = {t["key"]: t for t in response.json()["tables"]}
    expected = _board(analyst.user, Filters(state="MX-PUE"))
    assert {
        r["key"]: r["values"][0] for r in tables["reports_channel"]["rows"]
    } == _values(expected.table("reports_channel"))
    assert "remediation" in tables
    bad = client.get(
        "/api/v1/analytics/dashboard?since=2026-05-01&until=2026-01-01",
        headers=analyst.headers,
    )
    assert bad.status_code == 422
    assert "El periodo termina antes de empezar" in bad.json()["errors"][0]["reason"]
    other = staff_member(org_a, "pilar", role="protection")
    assert (
        client.get("/api/v1/analytics/dashboard", headers=other.headers).status_code
        == 403
    )


def test_each_facility_figures_equal_a_direct_count(world, handler, org_a):
    for facility in world:
        filters = Filters(facility_id=facility.pk)
        board = _board(handler, filters)
        direct = _reports(org_a, filters).distinct().count()
        assert direct > 0
        assert sum(_values(board.table("reports_channel")).values()) == direct
        cases = Case.objects.filter(organisation=org_a, facility=facility)
        assert sum(_values(board.table("cases_status")).values()) == cases.count()
    # The filter offers exactly the facilities in the organisation's figures.
    from remedia.analytics.selectors import analytics_organisations, facility_choices

    offered = {
        pk
        for pk, _name in facility_choices(
            organisations=analytics_organisations(viewer=handler)
        )
    }
    used = set(
        Report.objects.filter(
            recipients__organisation=org_a, facility__isnull=False
        ).values_list("facility_id", flat=True)
    ) | set(
        Case.objects.filter(organisation=org_a, facility__isnull=False).values_list(
            "facility_id", flat=True
        )
    )
    assert offered == {str(pk) for pk in used}


def test_a_failed_refresh_keeps_the_previous_figures(world, monkeypatch):
    before = ReportTally.objects.count()

    def broken() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_case_rollup", broken)
    with pytest.raises(RuntimeError):
        services.refresh()
    assert ReportTally.objects.count() == before
    failed = Refresh.objects.get(error="RuntimeError")
    assert failed.finished_at is None
    assert not services.running()


def test_the_worker_does_not_start_a_refresh_over_a_running_one(org_a):
    from remedia.analytics.tasks import analytics_refresh

    generate(organisations=[org_a], facilities=[], reports=20, cases=5, seed=9)
    Refresh.objects.create(kind=services.KIND, started_at=timezone.now())
    assert services.running()
    assert analytics_refresh.call_local() == 0
    assert not ReportTally.objects.exists()
    Refresh.objects.update(started_at=timezone.now() - dt.timedelta(hours=2))
    assert analytics_refresh.call_local() > 0
    assert ReportTally.objects.exists()


def test_training_coverage_of_the_viewers_organisation(handler, org_a, org_b):
    from remedia.training.models import (
        Attendance,
        Person,
        PersonnelRole,
        TrainingSession,
        TrainingTopic,
    )

    def person(org, n: int, *, active: bool = True) -> Person:
        return Person.objects.create(
            organisation=org,
            identifier=f"{org.pk}-{n}",
            name=f"Persona {n}",
            role=PersonnelRole.PARTNER,
            active=active,
        )

    ours = [person(org_a, n) for n in range(4)]
    gone = person(org_a, 9, active=False)
    theirs = [person(org_b, n) for n in range(3)]
    for org, people in ((org_a, [*ours[:3], gone]), (org_b, theirs)):
        session = TrainingSession.objects.create(
            organisation=org,
            audience_organisation=org,
            topic=TrainingTopic.PROTOCOLS,
            held_on=dt.date(2026, 9, 1),
            starts_at=dt.time(9),
            ends_at=dt.time(11),
            during_working_hours=True,
            trainer="Capacitadora",
        )
        for someone in people:
            Attendance.objects.create(session=session, person=someone)
    table = _board(handler).table("training")
    assert table is not None
    rows = {row.key: row.values for row in table.rows}
    # Three of the four active people of the handler's organisation; the
    # inactive one and the other organisation's people count nowhere.
    assert rows["protocols"] == (3, 4, 75.0)
    assert rows["child_labour"] == (0, 4, 0.0)


def test_an_analyst_sees_the_case_figures_without_links_to_cases(
    client, world, org_a, log_in_verified
):
    # An analyst reads figures, not cases: no figure leads to a page that
    # would answer them 404, on the dashboard or on the home page.
    analyst = member("analyst", org_a, username="ana")
    totp_device(analyst)
    assert log_in_verified(analyst).status_code == 302
    board = _board(analyst)
    cases_open = board.table("cases_open")
    assert cases_open is not None
    assert cases_open.rows
    for table in board.tables:
        for row in table.rows:
            assert not row.url.startswith("/staff/cases/"), (table.key, row)
            assert not row.url.startswith("/staff/reports/"), (table.key, row)
    for page in ("/staff/cifras/", "/staff/"):
        body = client.get(page).content.decode()
        assert 'href="/staff/cases/' not in body, page


def test_the_state_is_a_place_in_english_not_a_status(world, handler):
    from django.utils import translation

    from remedia.analytics.forms import DashboardFilterForm

    with translation.override("en"):
        table = _board(handler).table("reports_state")
        assert table is not None
        assert table.columns[0] == "State"
        form = DashboardFilterForm(None, organisations=[], facilities=[])
        assert str(form.fields["state"].label) == "State"


@pytest.mark.parametrize("filters", [Filters(), Filters(category="threats")])
def test_each_report_figure_leads_to_an_inbox_showing_that_many(
    client, world, handler, log_in_verified, filters
):
    # A figure is a door: its link opens the inbox narrowed to the same
    # reports (the inbox lists up to 200, more than the world has).
    assert log_in_verified(handler).status_code == 302
    board = _board(handler, filters)
    followed = 0
    for key in (
        "reports_category",
        "reports_state",
        "reports_channel",
        "reports_month",
    ):
        table = board.table(key)
        assert table is not None
        for row in table.rows:
            if not row.key:
                assert row.url == ""  # a state not known has no inbox filter
                continue
            assert row.url.startswith("/staff/reports/?"), (key, row)
            response = client.get(row.url)
            assert response.status_code == 200
            assert not response.context["form"].errors, row.url
            assert len(response.context["reports"]) == row.values[0], (key, row)
            followed += 1
    assert followed > 10


def test_the_benchs_check_reads_the_page_as_drawn(signed_in, org_a):
    # `make bench` checks the dashboard over 1,000,000 reports by adding up its
    # reports-by-channel table (bench/analytics.py): the parse must follow the
    # page's markup, or the bench reports a false mismatch.
    from bench.analytics import channel_total
    from remedia.intake.models import Report

    page = signed_in.get("/staff/cifras/").content
    mine = Report.objects.filter(recipients__organisation=org_a).distinct().count()
    assert mine > 0
    assert channel_total(page) == mine
