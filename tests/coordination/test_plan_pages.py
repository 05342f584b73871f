"""Keeping the plan through its pages: groups and members, a year's plan,
objectives, actions, indicators and periods. Coordinators only; bad input is
refused beside its field and stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorPeriod,
    Objective,
    WorkGroup,
    WorkGroupMember,
    WorkPlan,
)
from remedia.coordination.services.updates import update_submit
from remedia.core.models import AuditEntry
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

HOME = "/staff/coordinacion/"


def _action_form(world: CoordinationWorld, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "objective_id": str(world.objective.pk),
        "title": "Mesa con cámaras empresariales",
        "description": "Dos mesas al año.",
        "sector": Sector.PRIVATE,
        "owner_id": str(world.ngo.pk),
        "partner_ids": [str(world.state.pk), str(world.other.pk)],
        "state": "MX-PUE",
        "municipality": "Puebla",
        "starts_on": "2026-02-01",
        "due_on": "2026-06-30",
        "status": ActionStatus.PLANNED,
        "dropped_reason": "",
    }
    data.update(changes)
    return data


def _field_error(html: str, field_id: str) -> str:
    """The text of the error shown beside the field `field_id`."""
    marker = f'id="{field_id}-error">'
    assert marker in html, f"no error beside {field_id}"
    return html.split(marker, 1)[1].split("<", 1)[0]


# --- Groups and members -----------------------------------------------------------


def test_a_coordinator_creates_a_group_and_it_is_audited(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)

    answer = client.post(
        f"{HOME}grupos/nuevo/",
        {
            "name": "Protección",
            "purpose": "Canalizar a víctimas.",
            "sectors": [Sector.PUBLIC, Sector.INTERNATIONAL],
            "lead_id": str(world.lead.user.pk),
        },
    )

    group = WorkGroup.objects.get(name="Protección")
    assert answer.status_code == 302  # noqa: PLR2004
    assert answer["Location"] == f"{HOME}grupos/{group.pk}/editar/"
    assert group.sectors == [Sector.PUBLIC, Sector.INTERNATIONAL]
    assert group.lead == world.lead.user
    assert AuditEntry.objects.filter(
        action="coordination.group_created", object_id=str(group.pk)
    ).exists()


def test_a_group_without_name_or_lead_is_refused_beside_each_field(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    before = WorkGroup.objects.count()

    answer = client.post(
        f"{HOME}grupos/nuevo/", {"name": "", "lead_id": "", "sectors": ["mars"]}
    )

    html = answer.content.decode()
    assert answer.status_code == 422  # noqa: PLR2004
    assert _field_error(html, "id_name") == "Este campo es obligatorio."
    assert _field_error(html, "id_lead_id") == "Este campo es obligatorio."
    assert "id_sectors" in html
    assert WorkGroup.objects.count() == before


def test_a_member_may_not_keep_groups_and_an_officer_does_not_see_them(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.member)
    edit = f"{HOME}grupos/{world.group.pk}/editar/"

    assert client.get(f"{HOME}grupos/nuevo/").status_code == 403  # noqa: PLR2004
    assert client.get(edit).status_code == 403  # noqa: PLR2004
    refused = client.post(edit, {"name": "Otro", "lead_id": str(world.member.user.pk)})
    assert refused.status_code == 403  # noqa: PLR2004
    world.group.refresh_from_db()
    assert world.group.name == "Prevención"
    enter(world.officer)
    assert client.get(edit).status_code == 404  # noqa: PLR2004


def test_a_coordinator_edits_the_group_adds_and_removes_a_member(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    edit = f"{HOME}grupos/{world.group.pk}/editar/"
    assert "Colectivo Hilos" in client.get(edit).content.decode()

    saved = client.post(
        edit,
        {
            "name": "Prevención y erradicación",
            "purpose": "Prevenir.",
            "sectors": [Sector.PUBLIC],
            "lead_id": str(world.lead.user.pk),
        },
    )
    added = client.post(
        f"{HOME}grupos/{world.group.pk}/integrantes/",
        {"organisation_id": str(world.other.pk), "user_id": "", "role": "observer"},
    )

    assert saved.status_code == 302  # noqa: PLR2004
    assert added.status_code == 302  # noqa: PLR2004
    world.group.refresh_from_db()
    assert world.group.name == "Prevención y erradicación"
    member = WorkGroupMember.objects.get(group=world.group, organisation=world.other)
    assert member.role == "observer"
    removed = client.post(
        f"{HOME}grupos/{world.group.pk}/integrantes/{member.pk}/quitar/", follow=True
    )
    assert "Centro Laboral del Norte ya no forma parte del grupo." in (
        removed.content.decode()
    )
    assert not WorkGroupMember.objects.filter(pk=member.pk).exists()


def test_a_person_of_another_organisation_is_refused_beside_the_person(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    before = WorkGroupMember.objects.count()

    answer = client.post(
        f"{HOME}grupos/{world.group.pk}/integrantes/",
        {
            "organisation_id": str(world.other.pk),
            "user_id": str(world.member.user.pk),
            "role": "member",
        },
    )

    assert answer.status_code == 422  # noqa: PLR2004
    assert (
        _field_error(answer.content.decode(), "m_user_id")
        == "Esa persona no trabaja en esa organización."
    )
    assert WorkGroupMember.objects.count() == before


def test_a_member_of_another_group_is_not_removed_through_this_one(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    other = WorkGroup.objects.create(name="Otro", lead=world.lead.user)
    member = WorkGroupMember.objects.get(group=world.group, organisation=world.ngo)

    answer = client.post(f"{HOME}grupos/{other.pk}/integrantes/{member.pk}/quitar/")

    assert answer.status_code == 404  # noqa: PLR2004
    assert WorkGroupMember.objects.filter(pk=member.pk).exists()


# --- The plan and its objectives --------------------------------------------------


def test_a_coordinator_creates_a_years_plan_once(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)

    created = client.post(f"{HOME}plan/nuevo/", {"year": "2027", "title": "Plan 2027"})
    again = client.post(f"{HOME}plan/nuevo/", {"year": "2027", "title": "Otro"})
    word = client.post(f"{HOME}plan/nuevo/", {"year": "20x6", "title": "X"})

    assert created["Location"] == f"{HOME}plan/2027/"
    assert again.status_code == 422  # noqa: PLR2004
    assert (
        _field_error(again.content.decode(), "id_year") == "Ya hay un plan de ese año."
    )
    assert (
        _field_error(word.content.decode(), "id_year")
        == "Escriba un año entre 2000 y 2100."
    )
    assert list(WorkPlan.objects.values_list("title", flat=True)) == [
        "Plan 2027",
        "Plan Puebla 2026",
    ]


def test_objectives_are_added_and_edited_and_a_bad_order_stores_nothing(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)

    added = client.post(
        f"{HOME}plan/2026/objetivos/nuevo/",
        {"group": str(world.group.pk), "title": "Más inspecciones", "order": "2"},
    )
    objective = Objective.objects.get(title="Más inspecciones")
    bad = client.post(
        f"{HOME}objetivos/{objective.pk}/editar/",
        {"group": str(world.group.pk), "title": "", "order": "mil"},
    )
    edited = client.post(
        f"{HOME}objetivos/{objective.pk}/editar/",
        {"group": str(world.group.pk), "title": "Inspecciones", "order": "1"},
    )

    assert added.status_code == 302  # noqa: PLR2004
    html = bad.content.decode()
    assert bad.status_code == 422  # noqa: PLR2004
    assert _field_error(html, "id_title") == "Este campo es obligatorio."
    assert edited.status_code == 302  # noqa: PLR2004
    objective.refresh_from_db()
    assert (objective.title, objective.order) == ("Inspecciones", 1)
    enter(world.member)
    assert (
        client.get(f"{HOME}objetivos/{objective.pk}/editar/").status_code == 403  # noqa: PLR2004
    )


# --- Actions ----------------------------------------------------------------------


def test_a_coordinator_creates_an_action_with_every_field(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    form = client.get(f"{HOME}plan/2026/acciones/nuevo/?objetivo={world.objective.pk}")
    assert form.status_code == 200  # noqa: PLR2004
    assert f'value="{world.objective.pk}" selected' in form.content.decode()

    answer = client.post(
        f"{HOME}plan/2026/acciones/nuevo/", _action_form(world, status="ongoing")
    )

    action = Action.objects.get(title="Mesa con cámaras empresariales")
    assert answer["Location"] == f"{HOME}acciones/{action.pk}/"
    assert action.objective == world.objective
    assert action.status == ActionStatus.ONGOING
    assert (action.state, action.municipality) == ("MX-PUE", "Puebla")
    assert set(action.partners.all()) == {world.state, world.other}
    assert action.created_by == world.coordinator.user


def test_a_due_date_before_the_start_and_a_drop_without_reason_store_nothing(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    before = Action.objects.count()

    early = client.post(
        f"{HOME}plan/2026/acciones/nuevo/",
        _action_form(world, starts_on="2026-06-01", due_on="2026-05-01"),
    )
    dropped = client.post(
        f"{HOME}plan/2026/acciones/nuevo/", _action_form(world, status="dropped")
    )
    empty = client.post(
        f"{HOME}plan/2026/acciones/nuevo/",
        _action_form(world, title="", owner_id="", starts_on="mañana"),
    )

    assert early.status_code == 422  # noqa: PLR2004
    assert (
        _field_error(early.content.decode(), "id_due_on")
        == "La fecha límite no puede ser anterior al inicio."
    )
    assert (
        _field_error(dropped.content.decode(), "id_dropped_reason")
        == "Diga por qué se descarta la acción."
    )
    html = empty.content.decode()
    assert _field_error(html, "id_title") == "Este campo es obligatorio."
    assert _field_error(html, "id_owner_id") == "Este campo es obligatorio."
    assert Action.objects.count() == before


def test_a_coordinator_edits_an_action_and_drops_it_with_a_reason(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    url = f"{HOME}acciones/{world.action.pk}/editar/"
    page = client.get(url).content.decode()
    assert 'value="Talleres en maquilas de Tehuacán"' in page

    answer = client.post(
        url,
        _action_form(
            world,
            title="Talleres en Tehuacán",
            status="dropped",
            dropped_reason="Sin presupuesto.",
            version="1",
        ),
    )

    assert answer.status_code == 302  # noqa: PLR2004
    world.action.refresh_from_db()
    assert world.action.title == "Talleres en Tehuacán"
    assert world.action.status == ActionStatus.DROPPED
    assert world.action.dropped_reason == "Sin presupuesto."
    assert world.action.version == 2  # noqa: PLR2004
    stale = client.post(url, _action_form(world, title="Otro título", version="1"))
    assert stale.status_code == 422  # noqa: PLR2004
    assert "Otra persona cambió esta acción" in stale.content.decode()
    world.action.refresh_from_db()
    assert world.action.title == "Talleres en Tehuacán"


def test_a_member_sees_the_action_but_not_its_edit_form(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.member)

    page = client.get(world.action.get_absolute_url()).content.decode()

    assert "Editar la acción" not in page
    assert client.get(f"{HOME}acciones/{world.action.pk}/editar/").status_code == 403  # noqa: PLR2004
    refused = client.post(
        f"{HOME}plan/2026/acciones/nuevo/", _action_form(world, title="Intrusa")
    )
    assert refused.status_code == 403  # noqa: PLR2004
    assert not Action.objects.filter(title="Intrusa").exists()


# --- Indicators and periods -------------------------------------------------------


def test_an_indicator_is_added_and_a_qualitative_one_takes_no_baseline(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    url = f"{HOME}acciones/{world.action.pk}/indicadores/nuevo/"
    before = Indicator.objects.count()

    refused = client.post(
        url,
        {
            "name": "Acuerdos",
            "kind": "qualitative",
            "unit": "number",
            "baseline_value": "3",
            "frequency": "yearly",
        },
    )
    word = client.post(
        url,
        {
            "name": "Inspecciones",
            "kind": "quantitative",
            "unit": "percent",
            "baseline_value": "N/A",
            "frequency": "yearly",
        },
    )
    assert refused.status_code == 422  # noqa: PLR2004
    assert (
        _field_error(refused.content.decode(), "id_baseline_value")
        == "Un indicador cualitativo no lleva valor numérico."
    )
    assert (
        _field_error(word.content.decode(), "id_baseline_value")
        == "Escriba un número, como 12 o 12.5."
    )
    assert Indicator.objects.count() == before

    added = client.post(
        url,
        {
            "name": "Inspecciones",
            "kind": "quantitative",
            "unit": "percent",
            "baseline_value": "10",
            "baseline_year": "2025",
            "frequency": "yearly",
        },
    )
    indicator = Indicator.objects.get(name="Inspecciones")
    assert added["Location"] == f"{HOME}indicadores/{indicator.pk}/periodos/nuevo/"
    assert indicator.baseline_value == 10  # noqa: PLR2004


def test_an_indicator_with_periods_keeps_its_kind(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    url = f"{HOME}indicadores/{world.indicator.pk}/editar/"

    answer = client.post(
        url,
        {
            "name": "Personas capacitadas",
            "kind": "qualitative",
            "unit": "number",
            "baseline_value": "",
            "frequency": "quarterly",
        },
    )
    renamed = client.post(
        url,
        {
            "name": "Personas formadas",
            "kind": "quantitative",
            "unit": "number",
            "baseline_value": "5",
            "frequency": "half_yearly",
        },
    )

    assert answer.status_code == 422  # noqa: PLR2004
    assert "su tipo y su unidad no cambian" in answer.content.decode()
    assert renamed.status_code == 302  # noqa: PLR2004
    world.indicator.refresh_from_db()
    assert world.indicator.name == "Personas formadas"
    assert world.indicator.kind == "quantitative"
    assert world.indicator.frequency == "half_yearly"


def test_a_period_target_is_a_number_for_a_quantitative_indicator_only(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    quantitative = f"{HOME}indicadores/{world.indicator.pk}/periodos/nuevo/"
    qualitative = f"{HOME}indicadores/{world.qualitative.pk}/periodos/nuevo/"
    before = IndicatorPeriod.objects.count()

    word = client.post(
        quantitative,
        {"starts_on": "2026-07-01", "ends_on": "2026-09-30", "target": "muchas"},
    )
    none = client.post(
        quantitative, {"starts_on": "2026-07-01", "ends_on": "2026-09-30"}
    )
    narrative = client.post(
        qualitative,
        {"starts_on": "2027-01-01", "ends_on": "2027-12-31", "target": "4"},
    )
    backwards = client.post(
        quantitative,
        {"starts_on": "2026-09-30", "ends_on": "2026-07-01", "target": "4"},
    )

    assert (
        _field_error(word.content.decode(), "id_target")
        == "Escriba un número, como 12 o 12.5."
    )
    assert (
        _field_error(none.content.decode(), "id_target")
        == "Escriba la meta del periodo, con número."
    )
    assert (
        _field_error(narrative.content.decode(), "id_target")
        == "Un indicador cualitativo no lleva meta numérica."
    )
    assert (
        _field_error(backwards.content.decode(), "id_ends_on")
        == "El fin del periodo no puede ser anterior al inicio."
    )
    assert IndicatorPeriod.objects.count() == before
    added = client.post(
        quantitative,
        {"starts_on": "2026-07-01", "ends_on": "2026-09-30", "target": "80"},
    )
    assert added.status_code == 302  # noqa: PLR2004
    assert world.indicator.periods.get(starts_on="2026-07-01").target == 80  # noqa: PLR2004


def test_a_period_is_edited_and_deleted_only_while_nobody_reported_on_it(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    update_submit(user=world.member.user, period=world.q1, value="3", draft=True)
    enter(world.coordinator)

    edited = client.post(
        f"{HOME}periodos/{world.q2.pk}/editar/",
        {"starts_on": "2026-04-01", "ends_on": "2026-06-30", "target": "75"},
    )
    overlapping = client.post(
        f"{HOME}periodos/{world.q2.pk}/editar/",
        {"starts_on": "2026-03-01", "ends_on": "2026-06-30", "target": "75"},
    )
    kept = client.post(f"{HOME}periodos/{world.q1.pk}/borrar/", follow=True)
    deleted = client.post(f"{HOME}periodos/{world.q2.pk}/borrar/")

    assert edited.status_code == 302  # noqa: PLR2004
    assert overlapping.status_code == 422  # noqa: PLR2004
    assert "El periodo se cruza con otro del indicador." in overlapping.content.decode()
    assert "El periodo ya tiene avances informados" in kept.content.decode()
    assert IndicatorPeriod.objects.filter(pk=world.q1.pk).exists()
    assert deleted.status_code == 302  # noqa: PLR2004
    assert not IndicatorPeriod.objects.filter(pk=world.q2.pk).exists()
    assert AuditEntry.objects.filter(action="coordination.period_deleted").count() == 1


# --- English, and a phone's width -------------------------------------------------


def test_the_forms_in_english(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    action = client.get(f"{HOME}plan/2026/acciones/nuevo/").content.decode()
    group = client.get(f"{HOME}grupos/{world.group.pk}/editar/").content.decode()
    refused = client.post(
        f"{HOME}indicadores/{world.indicator.pk}/periodos/nuevo/",
        {"starts_on": "2026-07-01", "ends_on": "2026-09-30", "target": "N/A"},
    ).content.decode()

    assert "New action of the 2026 plan" in action
    assert "Linked case (optional)" in action
    assert "Nueva acción" not in action
    assert "Add an organisation" in group
    assert "Write a number, such as 12 or 12.5." in refused


def test_the_forms_fit_a_phone(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    # Server-rendered forms without scripts or fixed widths: nothing to lay out
    # wider than the shared stylesheet's 390-pixel column.
    world = coordination_world
    enter(world.coordinator)

    html = client.get(f"{HOME}acciones/{world.action.pk}/editar/").content.decode()

    assert "<script" not in html
    assert 'style="width' not in html
    assert 'name="viewport"' in html


# --- The same changes through the API ---------------------------------------------


def test_the_api_changes_groups_indicators_and_periods(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    base = "/api/v1/coordination"

    def call(who: Any, method: str, path: str, body: Any = None) -> Any:
        return getattr(client, method)(
            base + path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=who.headers,
        )

    member = WorkGroupMember.objects.get(group=world.group, organisation=world.ngo)
    boss = world.coordinator
    renamed = call(boss, "patch", f"/groups/{world.group.pk}", {"name": "Prevención 2"})
    refused = call(world.member, "patch", f"/groups/{world.group.pk}", {"name": "X"})
    removed = call(boss, "delete", f"/groups/{world.group.pk}/members/{member.pk}")
    kind = call(boss, "patch", f"/indicators/{world.indicator.pk}", {"unit": "percent"})
    named = call(
        boss, "patch", f"/indicators/{world.indicator.pk}", {"name": "Personas"}
    )
    target = call(
        boss,
        "put",
        f"/periods/{world.q2.pk}",
        {"starts_on": "2026-04-01", "ends_on": "2026-06-30", "target": "N/A"},
    )
    moved = call(
        boss,
        "put",
        f"/periods/{world.q2.pk}",
        {"starts_on": "2026-04-01", "ends_on": "2026-06-30", "target": "70"},
    )
    update_submit(user=world.member.user, period=world.q1, value="3")
    kept = call(boss, "delete", f"/periods/{world.q1.pk}")
    deleted = call(boss, "delete", f"/periods/{world.q2.pk}")

    assert renamed.json()["name"] == "Prevención 2"
    assert refused.status_code == 403  # noqa: PLR2004
    assert removed.status_code == 204  # noqa: PLR2004
    assert not WorkGroupMember.objects.filter(pk=member.pk).exists()
    assert kind.status_code == 422  # noqa: PLR2004
    assert named.json()["name"] == "Personas"
    assert target.status_code == 422  # noqa: PLR2004
    assert moved.json()["target"] == "70.00"
    assert kept.status_code == 422  # noqa: PLR2004
    assert deleted.status_code == 204  # noqa: PLR2004
    assert list(world.indicator.periods.values_list("pk", flat=True)) == [world.q1.pk]
