"""A plan's progress: counts by sector, group and objective, indicators against
targets from approved updates only, the 4W view, and the PDF and XLSX."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from remedia.accounts.permissions import Sector
from remedia.coordination.models import Action, ActionStatus, Objective, UpdateStatus
from remedia.coordination.selectors.progress import (
    plan_fourw,
    plan_report,
    share_parts,
)
from remedia.coordination.services.groups import group_create
from remedia.coordination.services.plan import action_create, objective_create
from remedia.coordination.services.updates import update_review, update_submit
from remedia.core.errors import InvalidInput
from remedia.core.models import AuditEntry
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

PAGE = "/staff/coordinacion/plan/2026/"
API = "/api/v1/coordination/plans/2026/"
SCRIPT = "Empresas <script>alert(1)</script> responsables"


@dataclass(frozen=True)
class ProgressWorld:
    base: CoordinationWorld
    on_time: Action
    late: Action
    overdue: Action
    dropped: Action
    second: Objective


def _action(world: CoordinationWorld, objective: Objective, **data: Any) -> Action:
    today = timezone.localdate()
    fields = {
        "sector": Sector.PUBLIC,
        "owner_id": str(world.state.pk),
        "state": "MX-PUE",
        "municipality": "Puebla",
        "starts_on": str(today - timedelta(days=90)),
        "due_on": str(today + timedelta(days=30)),
        **data,
    }
    return action_create(user=world.coordinator.user, objective=objective, data=fields)


@pytest.fixture
def progress_world(coordination_world: CoordinationWorld) -> ProgressWorld:
    """Five actions: one planned (the world's, due in a month), one done on
    time, one done late, one overdue, one dropped; over two groups, two
    objectives, three sectors and two states (and one without a state).
    Updates: q1 approved 32, submitted 10, returned 5; q2 approved 18; the
    qualitative indicator one approved narrative and one submitted."""
    world = coordination_world
    today = timezone.localdate()
    by = world.coordinator.user
    Action.objects.filter(pk=world.action.pk).update(
        starts_on=today - timedelta(days=60), due_on=today + timedelta(days=30)
    )
    care = group_create(
        user=by,
        data={
            "name": "Atención",
            "purpose": "Atender a las víctimas.",
            "sectors": [Sector.PUBLIC],
            "lead_id": str(world.lead.user.pk),
        },
    )
    second = objective_create(user=by, plan=world.plan, group=care, title=SCRIPT)
    on_time = _action(world, second, title="Protocolo firmado")
    late = _action(
        world,
        second,
        title="Mesa con cámaras",
        sector=Sector.PRIVATE,
        owner_id=str(world.ngo.pk),
        state="MX-TLA",
        municipality="Apizaco",
    )
    overdue = _action(
        world,
        world.objective,
        title="Censo de talleres",
        sector=Sector.CIVIL_SOCIETY,
        owner_id=str(world.ngo.pk),
        partner_ids=[str(world.other.pk)],
        municipality='=HYPERLINK("http://x")',
    )
    dropped = _action(world, second, title="Campaña de radio", state="")
    Action.objects.filter(pk=on_time.pk).update(
        status=ActionStatus.DONE,
        due_on=today - timedelta(days=10),
        done_on=today - timedelta(days=20),
    )
    Action.objects.filter(pk=late.pk).update(
        status=ActionStatus.DONE,
        due_on=today - timedelta(days=30),
        done_on=today - timedelta(days=5),
    )
    Action.objects.filter(pk=overdue.pk).update(
        status=ActionStatus.ONGOING, due_on=today - timedelta(days=1)
    )
    Action.objects.filter(pk=dropped.pk).update(
        status=ActionStatus.DROPPED, dropped_reason="Sin presupuesto."
    )
    member, lead = world.member.user, world.lead.user

    def submit(period: Any, value: Any = None, narrative: str = "") -> Any:
        return update_submit(
            user=member, period=period, value=value, narrative=narrative
        )

    update_review(
        user=lead, update=submit(world.q1, "32"), decision=UpdateStatus.APPROVED
    )
    submit(world.q1, "10")  # submitted, not counted
    update_review(
        user=lead,
        update=submit(world.q1, "5"),
        decision=UpdateStatus.RETURNED,
        note="Falta la lista de asistencia.",
    )
    update_review(
        user=lead, update=submit(world.q2, "18"), decision=UpdateStatus.APPROVED
    )
    update_review(
        user=lead,
        update=submit(world.narrative_period, narrative="Dos marcas firmaron."),
        decision=UpdateStatus.APPROVED,
    )
    submit(world.narrative_period, narrative="Una tercera lo estudia.")
    return ProgressWorld(
        base=world,
        on_time=on_time,
        late=late,
        overdue=overdue,
        dropped=dropped,
        second=second,
    )


# --- The numbers ----------------------------------------------------------------------


def test_actions_are_counted_done_on_time_late_overdue_and_dropped(
    progress_world: ProgressWorld,
) -> None:
    world = progress_world.base

    report = plan_report(plan=world.plan, viewer=world.outsider.user)

    total = report.total
    assert (total.total, total.done, total.on_time) == (5, 2, 1)
    assert (total.overdue, total.dropped) == (1, 1)
    assert (total.share_done, total.share_on_time) == (50, 25)  # dropped left out
    assert share_parts(total) == {
        "on_time": 1,
        "late": 1,
        "ongoing": 1,
        "overdue": 1,
        "dropped": 1,
    }
    sectors = {r.label: r.progress for r in report.by_sector}
    assert set(sectors) == {"Sector público", "Sector privado", "Sociedad civil"}
    assert (sectors["Sector público"].total, sectors["Sector público"].share_done) == (
        2,
        100,
    )
    assert (sectors["Sector privado"].done, sectors["Sector privado"].on_time) == (1, 0)
    assert sectors["Sociedad civil"].overdue == 1
    groups = {r.label: r.progress.total for r in report.by_group}
    assert groups == {"Atención": 3, "Prevención": 2}
    # In the plan's order (both 0 here, then by title).
    assert [r.label for r in report.by_objective] == [
        SCRIPT,
        "Menos niñas y niños en talleres",
    ]


def test_only_approved_updates_count_against_the_targets(
    progress_world: ProgressWorld,
) -> None:
    world = progress_world.base

    report = plan_report(plan=world.plan, viewer=world.outsider.user)

    (figure,) = report.quantitative
    assert figure.indicator == world.indicator
    q1, q2 = figure.periods
    assert (q1.target, q1.actual, q1.percent, q1.approved) == (
        Decimal(40),
        Decimal(32),
        80,
        1,
    )
    assert (q2.target, q2.actual, q2.percent) == (Decimal(60), Decimal(18), 30)
    assert (figure.target, figure.actual, figure.percent) == (
        Decimal(100),
        Decimal(50),
        50,
    )
    (narrative,) = report.qualitative
    assert narrative.narratives == 1


def test_the_4w_groups_by_state_and_filters_one(progress_world: ProgressWorld) -> None:
    world = progress_world.base
    reader = world.outsider.user

    fourw = plan_fourw(plan=world.plan, viewer=reader)

    names = [s.state_name for s in fourw.states]
    assert names == ["Puebla", "Tlaxcala", "Sin estado"]
    puebla = fourw.states[0]
    assert len(puebla.rows) == 3  # noqa: PLR2004
    assert puebla.organisations == 3  # state, ngo (owners); other (a partner)
    census = next(r for r in puebla.rows if r.action == progress_world.overdue)
    assert (census.who, census.partners, census.overdue) == (
        "Colectivo Hilos",
        ["Centro Laboral del Norte"],
        True,
    )
    only = plan_fourw(plan=world.plan, viewer=reader, state="MX-TLA")
    assert [r.action.title for s in only.states for r in s.rows] == ["Mesa con cámaras"]
    with pytest.raises(InvalidInput):
        plan_fourw(plan=world.plan, viewer=reader, state="MX-XXX")


# --- Pages ------------------------------------------------------------------------------


def test_the_progress_page_has_charts_and_tables(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    enter(progress_world.base.outsider)

    answer = client.get(PAGE + "avance/")

    assert answer.status_code == 200  # noqa: PLR2004
    html = answer.content.decode()
    assert html.count('role="img"') == 4  # noqa: PLR2004
    assert 'id="table-indicators"' in html
    assert "80 %" in html
    assert "50 %" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "<script" not in html.split("<body", 1)[1]  # no JavaScript at all


def test_the_plan_page_summarises_and_links(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    enter(progress_world.base.outsider)

    html = client.get(PAGE).content.decode()

    assert "5 acciones: 50 % hechas, 25 % a tiempo; vencidas: 1." in html
    for link in ("avance/", "4w/", "plan.pdf?lang=es", "plan.pdf?lang=en", "plan.xlsx"):
        assert f'href="{PAGE}{link}"' in html


def test_the_4w_page_filters_by_state_and_refuses_an_unknown_one(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    enter(progress_world.base.outsider)

    html = client.get(PAGE + "4w/").content.decode()
    assert "Tlaxcala" in html
    assert "Sin estado" in html
    assert "Centro Laboral del Norte" in html

    only = client.get(PAGE + "4w/", {"estado": "MX-TLA"}).content.decode()
    assert "Mesa con cámaras" in only
    assert "Censo de talleres" not in only

    bad = client.get(PAGE + "4w/", {"estado": "<x>"})
    assert bad.status_code == 400  # noqa: PLR2004
    assert "Elija un estado de la lista." in bad.content.decode()


def test_the_progress_pages_read_in_english(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    enter(progress_world.base.outsider)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(PAGE + "avance/").content.decode()
    fourw = client.get(PAGE + "4w/").content.decode()

    assert "Plan progress" in html
    assert "Done on time" in html
    assert "Indicators against their targets" in html
    assert "Who does what, where and when (4W)" in fourw
    assert "All states" in fourw  # a place, not a status
    assert "Done (%)" in html
    assert "Hechas a tiempo" not in html


def test_a_user_without_coordination_reading_is_refused(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    world = progress_world.base
    enter(world.officer)
    for path in ("avance/", "4w/", "plan.pdf", "plan.xlsx"):
        assert client.get(PAGE + path).status_code == 404, path  # noqa: PLR2004
    headers = world.officer.headers
    for path in ("progress", "4w", "plan.pdf", "plan.xlsx"):
        assert client.get(API + path, headers=headers).status_code == 404, path  # noqa: PLR2004
    assert not AuditEntry.objects.filter(action="coordination.plan_exported").exists()


# --- Documents --------------------------------------------------------------------------


def test_the_pdf_shows_approved_figures_and_is_audited(
    client: Client, enter: Any, progress_world: ProgressWorld
) -> None:
    from pypdf import PdfReader

    world = progress_world.base
    enter(world.outsider)

    answer = client.get(PAGE + "plan.pdf", {"lang": "en"})

    assert answer.status_code == 200  # noqa: PLR2004
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="plan-2026-en.pdf"'
    assert answer.content.startswith(b"%PDF")
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages
    )
    assert "Work plan 2026" in text
    assert "Personas capacitadas" in text
    assert "80 %" in text  # q1: 32 approved of 40; the 10 submitted do not count
    assert "Who does what, where and when (4W)" in text
    entry = AuditEntry.objects.get(action="coordination.plan_exported")
    assert entry.actor_id == str(world.outsider.user.pk)
    assert entry.data == {"format": "pdf", "language": "en"}
    assert client.get(PAGE + "plan.pdf", {"lang": "fr"}).status_code == 400  # noqa: PLR2004


def test_the_xlsx_holds_the_same_numbers_with_formulas_neutralised(
    client: Client, progress_world: ProgressWorld
) -> None:
    from openpyxl import load_workbook

    world = progress_world.base

    answer = client.get(API + "plan.xlsx", headers=world.outsider.headers)

    assert answer.status_code == 200  # noqa: PLR2004
    assert answer["Content-Disposition"] == 'attachment; filename="plan-2026.xlsx"'
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == [
        "Acciones", "Indicadores", "Avance", "4W", "Capacitación", "Talleres"
    ]  # fmt: skip
    actions = list(book["Acciones"].iter_rows(values_only=True))
    assert len(actions) == 6  # noqa: PLR2004  header and five actions
    assert '\'=HYPERLINK("http://x")' in [c for row in actions for c in row]
    assert all(
        not (isinstance(c, str) and c.startswith("="))
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    )
    indicators = list(book["Indicadores"].iter_rows(values_only=True))
    by_period = {(r[2], r[6]): r for r in indicators[1:]}
    year = by_period[("Personas capacitadas", "Año 2026")]
    assert (year[7], year[8], year[9], year[10]) == (100, 50, 50, 2)
    first = next(r for (name, p), r in by_period.items() if p.endswith("03-31"))
    assert (first[7], first[8], first[9]) == (40, 32, 80)
    progress = list(book["Avance"].iter_rows(values_only=True))
    plan_row = progress[1]
    assert plan_row[0] == "Plan"
    assert plan_row[2:] == (5, 2, 1, 1, 1, 1, 1, 50, 25)
    fourw = list(book["4W"].iter_rows(values_only=True))
    assert {r[0] for r in fourw[1:]} == {"Puebla", "Tlaxcala", "Sin estado"}
    assert AuditEntry.objects.filter(
        action="coordination.plan_exported", data__format="xlsx"
    ).exists()


# --- API --------------------------------------------------------------------------------


def test_the_api_gives_progress_and_4w(
    client: Client, progress_world: ProgressWorld
) -> None:
    world = progress_world.base
    headers = world.outsider.headers

    body = client.get(API + "progress", headers=headers).json()

    assert body["total"]["done"] == 2  # noqa: PLR2004
    assert body["total"]["share_on_time"] == 25  # noqa: PLR2004
    (quantitative,) = [i for i in body["indicators"] if i["kind"] == "quantitative"]
    assert Decimal(quantitative["actual"]) == 50  # noqa: PLR2004
    assert quantitative["percent_of_target"] == 50  # noqa: PLR2004
    assert [p["percent_of_target"] for p in quantitative["periods"]] == [80, 30]
    (qualitative,) = [i for i in body["indicators"] if i["kind"] == "qualitative"]
    assert qualitative["approved_narratives"] == 1

    fourw = client.get(API + "4w", {"state": "MX-PUE"}, headers=headers).json()
    assert [s["state"] for s in fourw["states"]] == ["MX-PUE"]
    assert fourw["states"][0]["actions"] == 3  # noqa: PLR2004
    bad = client.get(API + "4w", {"state": "nowhere"}, headers=headers)
    assert bad.status_code == 422  # noqa: PLR2004
    missing = client.get("/api/v1/coordination/plans/1999/progress", headers=headers)
    assert missing.status_code == 404  # noqa: PLR2004
    pdf = client.get(API + "plan.pdf", {"lang": "xx"}, headers=headers)
    assert pdf.status_code == 422  # noqa: PLR2004


def test_the_report_reads_in_a_few_queries_whatever_the_plan_size(
    progress_world: ProgressWorld,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = progress_world.base
    reader = world.outsider.user

    with CaptureQueriesContext(connection) as queries:
        plan_report(plan=world.plan, viewer=reader)
        plan_fourw(plan=world.plan, viewer=reader)

    assert len(queries) <= 12  # noqa: PLR2004


def test_the_xlsx_in_english(client: Client, progress_world: ProgressWorld) -> None:
    from openpyxl import load_workbook

    world = progress_world.base

    answer = client.get(
        API + "plan.xlsx", {"lang": "en"}, headers=world.outsider.headers
    )

    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == [
        "Actions", "Indicators", "Progress", "4W", "Training", "Workshops"
    ]  # fmt: skip
    header = next(book["4W"].iter_rows(values_only=True))
    assert header[:3] == ("State", "Municipality", "Who (owner)")
    assert "Start date" in header
