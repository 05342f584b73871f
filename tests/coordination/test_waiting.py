"""The coordination count on the home page (issue 22): open plan actions of
the viewer's organisation past due or due within a week; it leads to the
action list filtered to exactly those rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.coordination.models import Action, ActionStatus
from remedia.coordination.services.plan import action_create
from tests.support.coordination import CoordinationWorld, action_data
from tests.support.waiting import HOME, table_rows, waiting_on_home

pytestmark = pytest.mark.django_db

KEY = "coordination.actions_due_soon"
LIST = "/staff/coordinacion/acciones/"


def _action(world: CoordinationWorld, title: str, owner: Any, days: int) -> Action:
    action = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, title=title, owner_id=str(owner.pk)),
    )
    Action.objects.filter(pk=action.pk).update(
        due_on=timezone.localdate() + timedelta(days=days)
    )
    return action


@pytest.fixture
def due(coordination_world: CoordinationWorld) -> dict[str, Action]:
    w = coordination_world
    Action.objects.filter(pk=w.action.pk).update(
        due_on=timezone.localdate() + timedelta(days=3)
    )
    late_done = _action(w, "Hecha aunque tarde", w.ngo, -4)
    Action.objects.filter(pk=late_done.pk).update(status=ActionStatus.DONE)
    return {
        "soon": w.action,
        "late": _action(w, "Censo de talleres", w.ngo, -5),
        "far": _action(w, "Feria de empleo", w.ngo, 20),
        "state": _action(w, "Inspecciones", w.state, 1),
    }


def test_the_count_is_the_organisations_actions_late_or_due_this_week(
    client: Client, enter: Any, coordination_world: CoordinationWorld, due: Any
) -> None:
    # Given the NGO's actions: one due in 3 days, one 5 days late, one in 20
    # days, one done late; and the state's due tomorrow
    enter(coordination_world.member)

    # When the NGO's member opens home
    shown, url = waiting_on_home(client.get(HOME).content.decode(), KEY)
    page = client.get(url)

    # Then two wait, and the list they lead to shows those two
    assert shown == 2
    assert url == f"{LIST}?mine=1&due=soon"
    assert page.status_code == 200
    html = page.content.decode()
    assert table_rows(html) == 2
    assert f'data-action="{due["soon"].pk}"' in html
    assert f'data-action="{due["late"].pk}"' in html
    # Only overdue, and every action: the other filters
    assert (
        table_rows(client.get(LIST, {"mine": "1", "due": "overdue"}).content.decode())
        == 1
    )
    assert table_rows(client.get(LIST).content.decode()) == 5


def test_another_organisation_sees_zero_and_an_empty_list(
    client: Client, enter: Any, coordination_world: CoordinationWorld, due: Any
) -> None:
    enter(coordination_world.outsider)
    shown, url = waiting_on_home(client.get(HOME).content.decode(), KEY)
    assert shown == 0
    assert table_rows(client.get(url).content.decode()) == 0


def test_an_unknown_due_value_is_said_not_a_crash(
    client: Client, enter: Any, coordination_world: CoordinationWorld, due: Any
) -> None:
    enter(coordination_world.member)
    response = client.get(LIST, {"due": "tomorrow"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Elija un vencimiento de la lista." in html
    assert table_rows(html) == 0
