"""Hooks: later apps add panels to the staff home and entries to the staff menu,
each shown only to the users it concerns."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from remedia.accounts import services as accounts
from remedia.accounts.permissions import Sector
from remedia.core import hooks
from remedia.intake import services as intake
from remedia.intake.models import (
    IntakeConfiguration,
    Report,
    ReportStatus,
    RoutePurpose,
    RoutingRule,
)
from tests.support.factories.accounts import member, totp_device

INBOX_LINK = '<a href="/staff/reports/">Denuncias</a>'
NO_DEFAULT = "No hay organización por defecto"


def _panel(page: str, name: str) -> str | None:
    """The text of the home page's panel `name`, or None if it is not shown."""
    match = re.search(
        rf'<section class="card[^"]*" data-panel="{name}"[^>]*>(.*?)</section>',
        page,
        re.S,
    )
    if match is None:
        return None
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _home(client, user, log_in_verified) -> str:
    assert log_in_verified(user).status_code == 302
    response = client.get("/staff/")
    assert response.status_code == 200
    return response.content.decode()


def _set_default_organisation(organisation) -> None:
    config = IntakeConfiguration.objects.get(id=1)
    config.default_organisation = organisation
    config.save(update_fields=["default_organisation"])


def _staff(role: str, organisation, username: str):
    user = member(role, organisation, username=username)
    totp_device(user)
    return user


# --- The handler's inbox panel and menu entry ----------------------------------------


def test_handler_home_counts_unacknowledged_reports_and_links_the_inbox(
    client, keyed_handler, receiving_org, submit_report, log_in_verified
):
    # Given three reports for the handler's organisation, one urgent, and one of
    # the others already acknowledged
    waiting = submit_report(narrative="Nos descuentan el día si faltamos al médico.")
    submit_report(
        narrative="Hay menores en la línea de empaque.", categories=("child_labour",)
    )
    acknowledged = submit_report(narrative="No nos pagan las horas extra desde marzo.")
    intake.report_status_change(
        report=acknowledged, user=keyed_handler, status=ReportStatus.ACKNOWLEDGED
    )
    # And a report for another organisation's state
    puebla = accounts.organisation_create(
        name="Colectivo Obrero Puebla", short_name="COP", sector=Sector.UNION
    )
    RoutingRule.objects.create(
        organisation=puebla, purpose=RoutePurpose.LABOUR_RIGHTS, state="MX-PUE"
    )
    submit_report(narrative="Despidos por afiliarse al sindicato.", state="MX-PUE")
    assert waiting.status == ReportStatus.RECEIVED

    # When the handler opens their home page
    page = _home(client, keyed_handler, log_in_verified)

    # Then the inbox panel counts the two of theirs not yet acknowledged, one urgent
    panel = _panel(page, "inbox")
    assert panel is not None
    assert "2 sin acuse de recibo" in panel
    assert "1 urgente" in panel
    # And "what waits" counts them, linking to the inbox filtered to exactly them
    assert re.search(
        r'data-waiting="reports.unacknowledged"><a href="/staff/reports/\?status='
        r'received"><span class="n">2</span> denuncias sin acuse de recibo</a>',
        page,
    )
    # And the menu links to the inbox with the count of what waits there; the
    # administrators' warning is not shown
    assert re.search(
        r'<a href="/staff/reports/" aria-describedby="nav-count-\d+">Denuncias '
        r'<span class="badge" aria-hidden="true">2</span></a>',
        page,
    )
    assert _panel(page, "routing") is None


def test_handler_with_nothing_waiting_sees_a_zero(
    client, keyed_handler, log_in_verified
):
    page = _home(client, keyed_handler, log_in_verified)

    panel = _panel(page, "inbox")
    assert panel is not None
    assert "0 sin acuse de recibo" in panel
    assert "urgente" not in panel


def test_coordinator_sees_neither_the_inbox_panel_nor_its_link(
    client, receiving_org, submit_report, log_in_verified
):
    # Given a report waiting in the organisation, and its coordinator
    submit_report(narrative="Nos descuentan el día si faltamos al médico.")
    coordinator = _staff("coordinator", receiving_org, "cora")

    # When the coordinator opens their home page
    page = _home(client, coordinator, log_in_verified)

    # Then nothing about reports is shown or linked
    assert 'data-role="coordinator"' in page
    assert _panel(page, "inbox") is None
    assert _panel(page, "routing") is None
    assert "/staff/reports/" not in page


# --- The administrator's routing warning ---------------------------------------------


@pytest.fixture
def administrator(receiving_org):
    return _staff("admin", receiving_org, "adela")


def test_administrator_is_not_warned_when_routing_is_healthy(
    client, administrator, receiving_org, submit_report, log_in_verified
):
    # Given a default organisation, and a report that found its rule
    _set_default_organisation(receiving_org)
    submit_report(narrative="Nos descuentan el día si faltamos al médico.")

    page = _home(client, administrator, log_in_verified)

    assert _panel(page, "routing") is None
    assert _panel(page, "inbox") is None
    assert INBOX_LINK not in page


def test_administrator_is_warned_when_there_is_no_default_organisation(
    client, administrator, log_in_verified
):
    # Given no default organisation (and no report yet)
    assert IntakeConfiguration.objects.get(id=1).default_organisation_id is None

    page = _home(client, administrator, log_in_verified)

    panel = _panel(page, "routing")
    assert panel is not None
    assert NO_DEFAULT in panel
    assert "1 regla activa." in panel


@pytest.mark.parametrize(
    ("days_ago", "warned"), [(10, True), (31, False)], ids=["10d", "31d"]
)
def test_administrator_is_warned_of_reports_routed_by_default_in_30_days(
    client,
    administrator,
    receiving_org,
    submit_report,
    log_in_verified,
    days_ago,
    warned,
):
    # Given a default organisation that received a report no rule matched
    _set_default_organisation(receiving_org)
    report = submit_report(narrative="En Mérida nadie nos atiende.", state="MX-YUC")
    assert report.routed_by_default is True
    Report.objects.filter(pk=report.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )

    # When the administrator opens their home page
    page = _home(client, administrator, log_in_verified)

    # Then they are warned only while that happened within the last 30 days
    panel = _panel(page, "routing")
    if warned:
        assert panel is not None
        assert "1 denuncia de los últimos 30 días no encontró regla" in panel
        assert NO_DEFAULT not in panel
    else:
        assert panel is None


# --- The registry itself ----------------------------------------------------------------


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(hooks, "_home_panels", [])
    monkeypatch.setattr(hooks, "_nav_items", [])


def _request(user):
    request = RequestFactory().get("/staff/")
    request.user = user
    return request


def test_panels_come_in_their_order_and_a_provider_may_show_nothing(
    empty_registry, handler
):
    # Given three providers, one of which has nothing for this user
    hooks.home_panel_register(lambda request: hooks.Panel("late.html", order=50))
    hooks.home_panel_register(lambda request: None)
    hooks.home_panel_register(lambda request: hooks.Panel("early.html", order=5))

    panels = hooks.home_panels(_request(handler))

    assert [p.template for p in panels] == ["early.html", "late.html"]


def test_registering_a_provider_twice_shows_it_once(empty_registry, handler):
    def provider(request):
        return hooks.Panel("once.html")

    hooks.home_panel_register(provider)
    hooks.home_panel_register(provider)

    assert [p.template for p in hooks.home_panels(_request(handler))] == ["once.html"]


def test_staff_menu_is_ordered_and_empty_for_anonymous_visitors(
    empty_registry, handler
):
    hooks.staff_nav_register(lambda request: hooks.NavItem("Casos", "/c/", order=20))
    hooks.staff_nav_register(lambda request: hooks.NavItem("Bandeja", "/b/", order=10))
    hooks.staff_nav_register(lambda request: None)

    logged_in = hooks.staff_nav(_request(handler))["staff_nav"]
    anonymous = hooks.staff_nav(_request(AnonymousUser()))["staff_nav"]

    assert [i.url for i in logged_in] == ["/b/", "/c/"]
    assert anonymous == []
