"""Issue 5's "Done when": a handler works two reports into a case, to its close.

Two workers report about the same facility from their phones and keep their
receipts; the handler logs in with a password and a TOTP code, merges both
reports into one case in triage, assigns it, creates and completes a task,
writes to both reporters at once, resolves and closes the case with a reason.
Each worker then sees, with only their receipt, the handler's message and the
case's status. Everything runs in Chromium against the live server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from remedia.cases.models import Case, CaseStatus, CaseTask, ClosureReason
from remedia.intake.models import Report, ReportStatus
from tests.e2e.pages import PageLog
from tests.e2e.worker import (
    FACILITY_LABEL,
    SHOTS,
    World,
    fill_report,
    follow_up,
    handler_logs_in,
    marker,
    read_receipt,
    send_report,
    to_step,
)

pytestmark = pytest.mark.e2e


def worker_reports(new_page: Callable[..., PageLog], narrative: str) -> str:
    """A worker on a phone reports about Industrias del Interior; returns the receipt."""
    page = new_page(phone=True).page
    page.goto("/denunciar/")
    fill_report(page, narrative)
    to_step(page, "step-where")
    page.get_by_label("Centro de trabajo", exact=True).fill("industrias interior")
    choice = page.locator("#facility-matches").get_by_label(FACILITY_LABEL)
    choice.wait_for(state="visible")
    choice.check()
    send_report(page)
    return read_receipt(page)


def expect_message(page: Any, text: str) -> None:
    """At the top of the page, or (case page actions) beside the form sent."""
    page.locator(".messages li, .section-message", has_text=text).first.wait_for(
        state="visible"
    )


def test_handler_merges_two_reports_into_a_case_and_closes_it(
    new_page: Callable[..., PageLog],
    report_world: World,
    live_server: Any,
) -> None:
    # 1. Two workers report the same facility; each keeps a receipt.
    receipts = [
        worker_reports(
            new_page,
            f"El supervisor amenazó con despedir a quien vaya a la asamblea. {marker()}",
        ),
        worker_reports(
            new_page,
            f"Nos dijeron que si gana el sindicato cierran la planta. {marker()}",
        ),
    ]
    reports = list(Report.objects.all())
    assert len(reports) == 2
    assert {r.facility_id for r in reports} == {report_world.facility.pk}

    # 2. The handler opens triage and merges both into one case.
    handler_log = new_page()
    handler = handler_log.page
    handler_logs_in(handler, report_world)
    handler.get_by_role("link", name="Triaje", exact=True).click()
    handler.wait_for_url("**/staff/cases/triage/")
    rows = handler.locator("#triage tbody tr")
    assert rows.count() == 2
    for row in range(2):
        assert "Industrias del Interior" in rows.nth(row).inner_text()
        rows.nth(row).locator("input[name=report_ids]").check()
    SHOTS.mkdir(parents=True, exist_ok=True)
    handler.screenshot(path=str(SHOTS / "case-triage.png"), full_page=True)
    handler.get_by_role("button", name="Crear caso con las seleccionadas").click()
    handler.wait_for_url("**/staff/cases/*/")
    case = Case.objects.get()
    assert urlsplit(handler.url).path == f"/staff/cases/{case.pk}/"
    expect_message(handler, f"Caso {case.number} abierto con 2 denuncias.")
    assert handler.locator("#reports ul.report-picks li").count() == 2
    # Whoever opened the case holds it.
    assert handler.locator("#case-assignee").inner_text().strip() == "hilda"
    assert "Industrias del Interior" in handler.locator("#case-facility").inner_text()
    # Nothing is left in triage.
    handler.goto("/staff/cases/triage/")
    assert (
        "No hay denuncias pendientes de triaje."
        in handler.locator("#triage").inner_text()
    )
    handler.goto(f"/staff/cases/{case.pk}/")

    # 3. Assigned (the form is folded in the summary column).
    handler.locator("#assign > summary").click()
    handler.get_by_label("Responsable", exact=True).select_option(label="hilda")
    handler.get_by_role("button", name="Asignar", exact=True).click()
    expect_message(handler, "Caso asignado a hilda.")
    assert handler.locator("#case-assignee").inner_text().strip() == "hilda"

    # 4. A task created, then completed, in the tasks tab.
    handler.locator("#tab-tareas").click()
    handler.wait_for_url("**/staff/cases/*/?tab=tareas")
    due_on = timezone.localdate() + timedelta(days=3)
    due = due_on.isoformat()
    handler.get_by_label("Tarea", exact=True).fill(
        "Pedir a la empresa la lista de turnos"
    )
    handler.get_by_label("Responsable de la tarea").select_option(label="hilda")
    handler.get_by_label("Fecha límite").fill(due)
    handler.get_by_role("button", name="Crear tarea").click()
    expect_message(handler, "Tarea creada para hilda.")
    task_row = handler.locator("#tasks tbody tr", has_text="lista de turnos")
    assert task_row.locator("time").get_attribute("datetime") == due
    task_row.get_by_role("button", name="Completar").click()
    expect_message(handler, "Tarea completada.")
    assert (
        "Completada el"
        in handler.locator("#tasks tbody tr", has_text="lista de turnos").inner_text()
    )
    assert CaseTask.objects.get().done_at is not None

    # 5. One message to both reporters, from the reports tab.
    handler.locator("#tab-denuncias").click()
    handler.locator("#message > summary").click()
    question = f"Gracias por avisarnos. ¿Sigue pasando esta semana? {marker()}"
    handler.get_by_label("Mensaje a todas las personas denunciantes").fill(question)
    handler.get_by_role(
        "button", name="Enviar a todas las personas denunciantes"
    ).click()
    expect_message(handler, "Mensaje enviado a 2 personas denunciantes.")

    # 6. Resolved, then closed with a reason.
    handler.locator("#status > summary").click()
    handler.get_by_label("Nuevo estado").select_option(label="Resuelto")
    handler.get_by_role("button", name="Cambiar estado").click()
    expect_message(handler, "Estado: Resuelto.")
    handler.get_by_label("Nuevo estado").select_option(label="Cerrado")
    handler.get_by_label("Motivo del cierre (obligatorio al cerrar)").select_option(
        label=str(ClosureReason.REMEDIED.label)
    )
    handler.get_by_role("button", name="Cambiar estado").click()
    expect_message(handler, "Estado: Cerrado.")
    assert handler.locator("#case-status").inner_text().startswith("Cerrado")
    handler.locator("#tab-historial").click()
    timeline = handler.locator("#timeline").inner_text()
    assert "Estado: Abierto → Resuelto" in timeline
    assert "Estado: Resuelto → Cerrado (motivo: Resuelto: hubo remedio)" in timeline
    assert "Asignado a hilda" in timeline
    assert question not in timeline  # the timeline never holds what was written
    handler.screenshot(path=str(SHOTS / "case-detail.png"), full_page=True)
    handler.goto("/staff/cases/")
    handler.screenshot(path=str(SHOTS / "case-list.png"), full_page=True)
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == (CaseStatus.CLOSED, "remedied")
    assert handler_log.csp_violations() == []
    assert handler_log.errors == []

    # 7. Each worker, with only the receipt, sees the message and the status.
    for receipt in receipts:
        worker = new_page(phone=True).page
        follow_up(worker, receipt)
        assert question in worker.locator("#messages").inner_text()
        assert "Cerrada" in worker.locator("#report-status").inner_text()
        case_status = worker.locator("#case-status")
        assert case_status.count() == 1
        assert "El caso se cerró." in case_status.inner_text()
        # Never the case number, nor the other worker's words.
        assert case.number not in worker.content()
    assert {r.status for r in Report.objects.all()} == {ReportStatus.CLOSED}
