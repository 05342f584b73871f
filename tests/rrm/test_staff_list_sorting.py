"""The staff petition list sorted by facility or stage (issue 22.1): the
database's order replaces the list's own (next step due first, counted from
the treaty's calendar); an unknown key is said and that own order kept."""

from __future__ import annotations

import datetime as dt

import pytest

from remedia.rrm.models import RrmCase, RrmStage
from tests.rrm.world import _clear_cache, petition  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/staff/rrm/"


@pytest.fixture
def three(analyst) -> list[RrmCase]:
    """Bravo, filed long ago (its step overdue); alfa, filed lately; Charlie,
    further on in the procedure."""
    bravo = petition(
        analyst, facility_name="Bravo", petition_received_on=dt.date(2020, 1, 2)
    )
    alfa = petition(
        analyst, facility_name="alfa", petition_received_on=dt.date(2026, 11, 30)
    )
    charlie = petition(
        analyst, facility_name="Charlie", petition_received_on=dt.date(2024, 3, 1)
    )
    RrmCase.objects.filter(pk=charlie.pk).update(stage=RrmStage.CONSULTATIONS)
    return [bravo, alfa, charlie]


def _ours(client, query: str = "") -> list[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [row.case.facility_name for row in response.context["rows"]]


def test_facility_and_stage_order_the_petitions_both_ways(
    client, enter, analyst, three
):
    enter(analyst)

    assert _ours(client)[0] == "Bravo"  # its own order: the overdue step first
    assert _ours(client, "orden=centro") == ["alfa", "Bravo", "Charlie"]
    assert _ours(client, "orden=-centro") == ["Charlie", "Bravo", "alfa"]
    # The procedure's order; equal stages newest petition first
    assert _ours(client, "orden=etapa") == ["alfa", "Bravo", "Charlie"]
    assert _ours(client, "orden=-etapa") == ["Charlie", "Bravo", "alfa"]


def test_headers_a_select_and_an_unknown_key(client, enter, analyst, three):
    enter(analyst)

    html = client.get(f"{LIST}?orden=centro").content.decode()
    ours = html[html.index('id="rrm-staff-cases"') :]
    thead = ours[ours.index("<thead>") : ours.index("</thead>")]
    assert 'aria-sort="ascending"><a href="?orden=-centro">' in thead
    assert 'href="?orden=etapa"' in thead
    form = html[html.index('id="rrm-sort"') :]
    assert '<option value="centro" selected>' in form[: form.index("</form>")]

    refused = client.get(f"{LIST}?orden=nada&overdue=1")
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "La lista no se puede ordenar por «nada»" in text
    shown = [row.case.facility_name for row in refused.context["rows"]]
    assert shown == _ours(client, "overdue=1")
    assert shown[0] == "Bravo"
    # The order form keeps the overdue filter
    assert '<input type="hidden" name="overdue" value="1">' in text
