"""The coordination tests' world: one work group, a plan, an action with an
indicator and periods.

`state` (the Secretaría del Trabajo de Puebla, public sector) employs the
coordinator `coordinator` and the group's lead `lead` (a coordinator too);
`ngo` is a civil-society member of the group with a protection worker
`member`; `other` is an organisation outside the group with a handler
`outsider`; `officer` is a facility officer (no coordination at all).
The group "Prevención" carries the objective of the 2026 plan that holds the
action "Talleres en maquilas de Tehuacán" with a quantitative indicator
(`indicator`, two quarters) and a qualitative one (`qualitative`, one period).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    Indicator,
    IndicatorPeriod,
    Objective,
    WorkGroup,
    WorkPlan,
)
from remedia.coordination.services.groups import group_create, group_member_add
from remedia.coordination.services.indicators import indicator_create, period_create
from remedia.coordination.services.plan import (
    action_create,
    objective_create,
    plan_create,
)
from tests.support.actors import Staff, staff_member


@dataclass(frozen=True)
class CoordinationWorld:
    state: Organisation
    ngo: Organisation
    other: Organisation
    coordinator: Staff
    lead: Staff
    member: Staff
    outsider: Staff
    officer: Staff
    group: WorkGroup
    plan: WorkPlan
    objective: Objective
    action: Action
    indicator: Indicator
    q1: IndicatorPeriod
    q2: IndicatorPeriod
    qualitative: Indicator
    narrative_period: IndicatorPeriod


def action_data(world: CoordinationWorld, **changes: Any) -> dict[str, Any]:
    """A valid new action's fields, with `changes`."""
    data: dict[str, Any] = {
        "title": "Mesa con cámaras empresariales",
        "sector": Sector.PRIVATE,
        "owner_id": str(world.ngo.pk),
        "state": "MX-PUE",
        "municipality": "Puebla",
        "starts_on": "2026-02-01",
        "due_on": "2026-06-30",
    }
    data.update(changes)
    return data


@pytest.fixture
def coordination_world(db: None) -> CoordinationWorld:
    state = accounts.organisation_create(
        name="Secretaría del Trabajo de Puebla",
        short_name="STPS Puebla",
        sector=Sector.PUBLIC,
    )
    ngo = accounts.organisation_create(
        name="Colectivo Hilos", short_name="Hilos", sector=Sector.CIVIL_SOCIETY
    )
    other = accounts.organisation_create(
        name="Centro Laboral del Norte", short_name="CLN", sector=Sector.CIVIL_SOCIETY
    )
    coordinator = staff_member(state, "coordinadora", role="coordinator")
    lead = staff_member(state, "lider", role="coordinator")
    member = staff_member(ngo, "integrante", role="protection")
    outsider = staff_member(other, "ajena", role="handler")
    officer = staff_member(other, "oficial", role="facility_officer")
    by = coordinator.user
    group = group_create(
        user=by,
        data={
            "name": "Prevención",
            "purpose": "Prevenir el trabajo infantil en la confección.",
            "sectors": [Sector.PUBLIC, Sector.CIVIL_SOCIETY],
            "lead_id": str(lead.user.pk),
        },
    )
    group_member_add(
        user=by,
        group=group,
        data={
            "organisation_id": str(state.pk),
            "user_id": str(lead.user.pk),
            "role": "lead",
        },
    )
    group_member_add(
        user=by,
        group=group,
        data={"organisation_id": str(ngo.pk), "user_id": str(member.user.pk)},
    )
    plan = plan_create(user=by, year=2026, title="Plan Puebla 2026")
    objective = objective_create(
        user=by, plan=plan, group=group, title="Menos niñas y niños en talleres"
    )
    action = action_create(
        user=by,
        objective=objective,
        data={
            "title": "Talleres en maquilas de Tehuacán",
            "sector": Sector.CIVIL_SOCIETY,
            "owner_id": str(ngo.pk),
            "partner_ids": [str(state.pk)],
            "state": "MX-PUE",
            "municipality": "Tehuacán",
            "starts_on": "2026-01-15",
            "due_on": "2026-12-15",
        },
    )
    indicator = indicator_create(
        user=by,
        action=action,
        data={
            "name": "Personas capacitadas",
            "baseline_value": "0",
            "baseline_year": 2025,
        },
    )
    q1 = period_create(
        user=by,
        indicator=indicator,
        data={"starts_on": "2026-01-01", "ends_on": "2026-03-31", "target": "40"},
    )
    q2 = period_create(
        user=by,
        indicator=indicator,
        data={"starts_on": "2026-04-01", "ends_on": "2026-06-30", "target": "60"},
    )
    qualitative = indicator_create(
        user=by,
        action=action,
        data={"name": "Compromisos de las marcas", "kind": "qualitative"},
    )
    narrative_period = period_create(
        user=by,
        indicator=qualitative,
        data={"starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )
    return CoordinationWorld(
        state=state,
        ngo=ngo,
        other=other,
        coordinator=coordinator,
        lead=lead,
        member=member,
        outsider=outsider,
        officer=officer,
        group=group,
        plan=plan,
        objective=objective,
        action=action,
        indicator=indicator,
        q1=q1,
        q2=q2,
        qualitative=qualitative,
        narrative_period=narrative_period,
    )
