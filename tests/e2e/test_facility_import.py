"""A handler imports a facility list in Chromium and settles the review queue
(issue 4): upload, summary, confirm a pending match; the progress page follows
a running import with htmx, and without JavaScript by refreshing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from remedia.accounts.models import User
from remedia.facilities import services
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityImport,
    FacilityMatchCandidate,
    ImportStatus,
    MatchDecision,
)
from tests.e2e.pages import PageLog
from tests.facilities.import_support import csv_bytes
from tests.support.factories.accounts import PASSWORD, member, totp_code, totp_device

pytestmark = pytest.mark.e2e

LIST = csv_bytes(
    [
        ("Bordados Rosy", "Tlaxcala", "Apizaco", "25"),
        ("Creaciones Martínez López", "Aguascalientes", "Aguascalientes", "80"),
    ],
    header=("nombre", "estado", "municipio", "trabajadores"),
    delimiter=";",
    encoding="utf-8-sig",
)


@pytest.fixture
def handler(_flushable_audit_log: None) -> tuple[User, Any]:
    user = member("handler", username="hilda")
    return user, totp_device(user)


@pytest.fixture
def martinez(_flushable_audit_log: None) -> Facility:
    return services.facility_create(
        data={
            "name": "Creaciones Martínez",
            "municipality": "Aguascalientes",
            "state": "MX-AGU",
        },
        actor=None,
        source="test",
    )


def log_in(page: Any, handler: tuple[User, Any]) -> None:
    user, device = handler
    page.goto("/staff/login/")
    page.get_by_label("Usuario").fill(user.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_label("Código de verificación").fill(totp_code(device))
    page.get_by_role("button", name="Entrar", exact=True).click()
    page.wait_for_url("**/staff/")


def test_import_a_list_then_confirm_the_pending_match(
    page_log: PageLog, handler: tuple[User, Any], martinez: Facility, live_server: Any
) -> None:
    page = page_log.page
    log_in(page, handler)

    # The home page leads to the import
    page.get_by_role("link", name="Importar una lista").click()
    page.wait_for_url("**/staff/facilities/import/")

    # Upload the list for real (the dry run is the default, so it is unticked)
    page.get_by_label("Archivo CSV o XLSX").set_input_files(
        {"name": "proveedores.csv", "mimeType": "text/csv", "buffer": LIST}
    )
    dry_run = page.get_by_label(
        "Solo revisar: mostrar lo que pasaría, sin guardar nada"
    )
    assert dry_run.is_checked()
    dry_run.uncheck()
    page.get_by_role("button", name="Subir e importar").click()

    # The summary: one facility created, one record for a person to decide
    page.wait_for_url("**/staff/facilities/import/*/")
    page.get_by_role("heading", name="Importación terminada").wait_for()
    assert page.locator('#import-summary dd[data-count="created"]').inner_text() == "1"
    assert page.locator('#import-summary dd[data-count="review"]').inner_text() == "1"
    assert (
        page.locator("#row-outcomes")
        .get_by_role("cell", name="Bordados Rosy", exact=True)
        .is_visible()
    )
    assert Facility.objects.filter(name="Bordados Rosy", state="MX-TLA").exists()

    # The queue shows the record beside the facility; the handler confirms
    page.get_by_role("link", name="Revisar las posibles coincidencias").click()
    page.wait_for_url("**/staff/facilities/review/")
    candidate = page.locator(".review-candidate").first
    assert "¿Es Creaciones Martínez?" in candidate.inner_text()
    assert "Creaciones Martínez López" in candidate.inner_text()
    candidate.get_by_role("button", name="Confirmar: es el mismo centro").click()
    page.wait_for_url("**/staff/facilities/review/")
    page.get_by_text("No hay nada por revisar.").wait_for()
    assert (
        "quedó vinculado a Creaciones Martínez"
        in page.locator(".messages").inner_text()
    )

    pending = FacilityMatchCandidate.objects.get()
    assert pending.status == CandidateStatus.CONFIRMED
    assert MatchDecision.objects.get().facility == martinez
    martinez.refresh_from_db()
    assert martinez.workers == 80

    own = urlsplit(live_server.url).netloc
    elsewhere = [u for u in page_log.requests if urlsplit(u).netloc not in ("", own)]
    assert elsewhere == []
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def _running_import(user: User) -> FacilityImport:
    return FacilityImport.objects.create(
        file_name="grande.csv",
        file_sha256="0" * 64,
        created_by=user,
        status=ImportStatus.RUNNING,
        total_rows=100,
        processed_rows=40,
    )


def _finish(imp: FacilityImport) -> None:
    FacilityImport.objects.filter(pk=imp.pk).update(
        status=ImportStatus.DONE, processed_rows=100, created_count=100
    )


def test_progress_page_follows_a_running_import_with_htmx(
    page_log: PageLog, handler: tuple[User, Any]
) -> None:
    page = page_log.page
    log_in(page, handler)
    imp = _running_import(handler[0])

    page.goto(f"/staff/facilities/import/{imp.pk}/")
    bar = page.locator("progress#import-progress")
    assert bar.get_attribute("value") == "40"
    assert bar.get_attribute("max") == "100"
    page.evaluate("window.__notReloaded = true")

    # When the worker finishes, the page shows it without being reloaded
    _finish(imp)
    page.get_by_role("heading", name="Importación terminada").wait_for(timeout=5000)
    assert page.evaluate("window.__notReloaded") is True
    assert (
        page.locator('#import-summary dd[data-count="created"]').inner_text() == "100"
    )
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_progress_page_refreshes_itself_without_javascript(
    new_page: Callable[..., PageLog], handler: tuple[User, Any]
) -> None:
    page = new_page(java_script_enabled=False).page
    log_in(page, handler)
    imp = _running_import(handler[0])

    page.goto(f"/staff/facilities/import/{imp.pk}/")
    assert page.locator("progress#import-progress").get_attribute("value") == "40"

    _finish(imp)
    page.get_by_role("heading", name="Importación terminada").wait_for(timeout=8000)
