"""A handler links a report's free-text facility to the registry, from the matcher's candidates."""

from __future__ import annotations

import pytest

from remedia.core.models import AuditEntry
from remedia.intake import services as intake
from remedia.intake.models import Report
from tests.support.factories.accounts import member, totp_device
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def interior():
    return FacilityFactory(
        name="Industrias del Interior",
        legal_name="Industrias del Interior, S.A. de C.V.",
        municipality="Rincón de Romos",
        state="MX-AGU",
    )


@pytest.fixture
def free_text_report(receiving_org, keyed_handler):
    return intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["intimidation"],
            narrative="Nos amenazaron por votar por el sindicato nuevo.",
            facility_name="la maquila Ind. del Interior en Rincon",
            state="MX-AGU",
        )
    ).report


def test_handler_sees_registry_candidates_for_what_the_worker_typed(
    client, log_in_verified, keyed_handler, free_text_report, interior
):
    # Given a report whose facility the worker typed instead of picking
    log_in_verified(keyed_handler)
    # When the handler opens it
    page = client.get(f"/staff/reports/{free_text_report.pk}/")
    # Then the matcher's candidates are offered, the intended one first
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="facility-suggestions"' in html
    assert html.index("Industrias del Interior") < html.index("Ligar la denuncia")
    assert f'value="{interior.pk}" id="sug-{interior.pk}" checked' in html


def test_linking_sets_the_facility_and_is_audited(
    client, log_in_verified, keyed_handler, free_text_report, interior
):
    log_in_verified(keyed_handler)
    response = client.post(
        f"/staff/reports/{free_text_report.pk}/facility/",
        {"facility_id": str(interior.pk)},
    )
    assert response.status_code == 302
    free_text_report.refresh_from_db()
    assert free_text_report.facility_id == interior.pk
    entry = AuditEntry.objects.filter(action="report.facility_linked").get()
    assert entry.object_id == str(free_text_report.pk)
    assert entry.actor_id == str(keyed_handler.pk)
    # Once linked, the page no longer offers candidates.
    page = client.get(f"/staff/reports/{free_text_report.pk}/")
    assert 'id="facility-suggestions"' not in page.content.decode()


def test_an_unknown_facility_is_refused_and_nothing_changes(
    client, log_in_verified, keyed_handler, free_text_report
):
    log_in_verified(keyed_handler)
    for bad in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", ""]:
        response = client.post(
            f"/staff/reports/{free_text_report.pk}/facility/",
            {"facility_id": bad},
            follow=True,
        )
        assert "no está en el padrón" in response.content.decode()
    assert Report.objects.get(pk=free_text_report.pk).facility_id is None


def test_other_organisations_and_roles_cannot_link(
    client, log_in_verified, free_text_report, interior, handler_b
):
    # A handler of another organisation and a monitor, both fully logged in,
    # get 404 exactly as if the report did not exist.
    monitor = member("monitor")
    totp_device(monitor)
    for user in [handler_b, monitor]:
        client.logout()
        log_in_verified(user)
        response = client.post(
            f"/staff/reports/{free_text_report.pk}/facility/",
            {"facility_id": str(interior.pk)},
        )
        assert response.status_code == 404
    assert Report.objects.get(pk=free_text_report.pk).facility_id is None


def test_linking_to_a_merged_record_links_the_record_that_was_kept(
    keyed_handler, free_text_report, interior
):
    kept = FacilityFactory(name="INISA planta Rincón", state="MX-AGU")
    interior.merged_into = kept
    interior.status = "merged"
    interior.save()
    intake.report_facility_link(
        report=free_text_report, user=keyed_handler, facility_id=interior.pk
    )
    free_text_report.refresh_from_db()
    assert free_text_report.facility_id == kept.pk
