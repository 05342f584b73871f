"""Routing: a report reaches the organisations responsible for its state and
categories, the protection team for protection categories, the default
organisation when no rule matches, and never no one."""

from __future__ import annotations

import pytest

from remedia.core.models import AuditEntry
from remedia.intake.models import Report, ReportRecipient, RoutePurpose, RoutingRule
from tests.intake.support import REPORTS_URL, submit, submit_ok
from tests.support.actors import staff_member
from tests.support.factories.accounts import PASSWORD, member, totp_code, totp_device
from tests.support.intake import intake_configuration

NO_RECIPIENT = (
    "No podemos recibir denuncias en este momento porque no hay una organización "
    "configurada para leerlas. Intente más tarde."
)


def _recipients(report: Report) -> dict[str, str]:
    return {
        r.organisation.short_name: r.purpose
        for r in ReportRecipient.objects.filter(report=report).select_related(
            "organisation"
        )
    }


def test_report_from_aguascalientes_reaches_only_the_aguascalientes_organisation(
    client, orgs, agu_handler, pue_handler
):
    # When a worker reports intimidation in Aguascalientes
    submit_ok(client, state="MX-AGU", categories=["intimidation"])

    # Then the Aguascalientes handler finds it in the inbox
    report = Report.objects.get()
    inbox = client.get(REPORTS_URL, headers=agu_handler.headers).json()
    assert inbox["count"] == 1
    assert inbox["items"][0]["id"] == str(report.pk)
    assert inbox["items"][0]["urgent"] is False
    assert inbox["items"][0]["routed_by_default"] is False
    # And the Puebla handler neither lists it nor can open it
    assert client.get(REPORTS_URL, headers=pue_handler.headers).json() == {
        "items": [],
        "count": 0,
    }
    detail = client.get(f"{REPORTS_URL}/{report.pk}", headers=pue_handler.headers)
    assert detail.status_code == 404
    # And only Aguascalientes (not protection, not the default) received it
    assert _recipients(report) == {"CLA": RoutePurpose.LABOUR_RIGHTS}
    assert report.urgent is False
    assert report.routed_by_default is False


def test_report_from_puebla_reaches_puebla(client, orgs):
    submit_ok(client, state="MX-PUE", categories=["wages"])

    assert _recipients(Report.objects.get()) == {"COP": RoutePurpose.LABOUR_RIGHTS}


@pytest.mark.parametrize("category", ["child_labour", "forced_labour", "trafficking"])
def test_protection_category_also_reaches_protection_and_is_urgent(
    client, orgs, category
):
    # When a report carries a protection category besides a labour one
    submit_ok(client, state="MX-AGU", categories=["hours", category])

    # Then the labour organisation and the protection team both receive it, urgent
    report = Report.objects.get()
    assert _recipients(report) == {
        "CLA": RoutePurpose.LABOUR_RIGHTS,
        "RPV": RoutePurpose.PROTECTION,
    }
    assert report.urgent is True


def test_protection_worker_sees_the_urgent_report_first(client, orgs):
    # Given a protection case worker, and two reports: one plain, one urgent
    worker = staff_member(orgs.protection, "paula", role="protection")
    submit_ok(client, state="MX-PUE", categories=["wages"])
    submit_ok(client, state="MX-PUE", categories=["trafficking"])
    urgent = Report.objects.get(urgent=True)

    # When the protection worker lists reports
    inbox = client.get(REPORTS_URL, headers=worker.headers).json()

    # Then they see the urgent one only (the plain one is not theirs)
    assert inbox["count"] == 1
    assert inbox["items"][0]["id"] == str(urgent.pk)
    assert inbox["items"][0]["urgent"] is True
    # And they can open it
    detail = client.get(f"{REPORTS_URL}/{urgent.pk}", headers=worker.headers).json()
    assert detail["content_locked"] is False
    assert detail["categories"] == ["trafficking"]


def test_protection_rule_alone_does_not_take_labour_reports(client, orgs):
    submit_ok(client, state="MX-AGU", categories=["wages", "health_safety"])

    assert "RPV" not in _recipients(Report.objects.get())


def test_report_no_rule_matches_goes_to_the_default_organisation(client, orgs):
    # Given no rule for Yucatán
    operator = staff_member(orgs.operator, "olga")

    # When a report from Yucatán arrives
    response = submit(client, state="MX-YUC", categories=["intimidation"])

    # Then it is accepted and sent to the default organisation, marked as such
    assert response.status_code == 201
    report = Report.objects.get()
    assert _recipients(report) == {"OPS": "default"}
    assert report.routed_by_default is True
    inbox = client.get(REPORTS_URL, headers=operator.headers).json()
    assert inbox["count"] == 1
    assert inbox["items"][0]["routed_by_default"] is True
    # And its handler can read it
    detail = client.get(f"{REPORTS_URL}/{report.pk}", headers=operator.headers).json()
    assert detail["content_locked"] is False


def test_inactive_rule_is_ignored(client, orgs):
    RoutingRule.objects.filter(organisation=orgs.agu).update(is_active=False)

    submit_ok(client, state="MX-AGU")

    assert _recipients(Report.objects.get()) == {"OPS": "default"}


def test_rule_for_one_category_takes_only_that_category(client, orgs):
    # Given a union that reads only bargaining reports, in any state
    RoutingRule.objects.create(
        organisation=orgs.pue,
        purpose=RoutePurpose.LABOUR_RIGHTS,
        state="",
        category="bargaining_bad_faith",
    )

    # When two reports from Aguascalientes arrive, one about bargaining
    submit_ok(client, state="MX-AGU", categories=["bargaining_bad_faith"])
    submit_ok(client, state="MX-AGU", categories=["wages"])

    # Then the union receives the bargaining one besides Aguascalientes, not the other
    bargaining = Report.objects.get(category_rows__code="bargaining_bad_faith")
    wages = Report.objects.get(category_rows__code="wages")
    assert set(_recipients(bargaining)) == {"CLA", "COP"}
    assert set(_recipients(wages)) == {"CLA"}


def test_no_rule_and_no_default_is_503_and_nothing_stored(client, orgs, data_dir):
    # Given no default organisation and no rule for Yucatán
    config = intake_configuration()
    config.default_organisation = None
    config.save()
    audit_before = AuditEntry.objects.count()

    # When a report from Yucatán arrives
    response = submit(client, state="MX-YUC")

    # Then it is refused with a clear message, and nothing is stored
    assert response.status_code == 503
    assert response.json() == {"detail": NO_RECIPIENT}
    assert Report.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert not (data_dir / "attachments").exists() or not any(
        (data_dir / "attachments").iterdir()
    )


# --- The administrator's warning ---------------------------------------------------------


@pytest.fixture
def admin_home(client, orgs):
    """Log an administrator in through the real login form; return a page getter."""
    admin = member("admin", orgs.operator, username="alicia")
    device = totp_device(admin)
    response = client.post(
        "/staff/login/",
        {
            "username": "alicia",
            "password": PASSWORD,
            "code": totp_code(device),
        },
    )
    assert response.status_code == 302

    def get() -> str:
        page = client.get("/staff/")
        assert page.status_code == 200
        return page.content.decode()

    return get


def test_admin_is_warned_when_a_report_went_to_the_default(client, orgs, admin_home):
    # Given routing that finds everyone so far: no warning
    submit_ok(client, state="MX-AGU")
    assert 'data-panel="routing"' not in admin_home()

    # When a report finds no rule and goes to the default organisation
    submit_ok(client, state="MX-YUC")

    # Then the administrator's home page warns about it
    page = admin_home()
    assert 'data-panel="routing"' in page
    assert (
        "1 denuncia de los últimos 30 días no encontró regla y fue a la "
        "organización por defecto." in page
    )


def test_admin_is_warned_when_there_is_no_default(client, orgs, admin_home):
    config = intake_configuration()
    config.default_organisation = None
    config.save()

    page = admin_home()

    assert 'data-panel="routing"' in page
    assert "No hay organización por defecto" in page


def test_handler_gets_no_routing_warning(client, orgs):
    # Given a handler (not an administrator) logged in, and a report routed by default
    handler = member("handler", orgs.operator, username="olga")
    device = totp_device(handler)
    submit_ok(client, state="MX-YUC")
    client.post(
        "/staff/login/",
        {
            "username": "olga",
            "password": PASSWORD,
            "code": totp_code(device),
        },
    )

    # When they open their home page / then it has no routing warning
    page = client.get("/staff/").content.decode()
    assert 'data-panel="routing"' not in page
