"""The staff pages of case management: triage, the list, a case's page, figures.

Handlers log in through the staff form (password and TOTP), so their private
key is unlocked in the session as it is for a person.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.accounts import keys
from remedia.accounts.models import Membership
from remedia.cases import services
from remedia.cases.models import (
    Case,
    CaseDocument,
    CaseNote,
    CaseReport,
    CaseStatus,
    CaseTask,
    Escalation,
    Severity,
)
from remedia.intake.models import Message, ReportStatus
from tests.cases.support import fresh
from tests.intake.support import png_with_text
from tests.support.factories.accounts import totp_device
from tests.support.factories.facilities import FacilityFactory

LIST = "/staff/cases/"
TRIAGE = "/staff/cases/triage/"
TRIAGE_ACTION = "/staff/cases/triage/action/"
FIGURES = "/staff/cases/figures/"


def detail(case: Case) -> str:
    return f"/staff/cases/{case.pk}/"


def texts(response: Any) -> list[str]:
    """The messages shown above the page the response leads to."""
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client: Any, response: Any) -> list[str]:
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


@pytest.fixture
def logged_in(client, log_in_verified):
    """Log a fixture's staff member in through the form (key unlocked)."""

    def enter(staff: Any) -> Any:
        totp_device(staff.user)
        response = log_in_verified(staff.user)
        assert response.status_code == 302, response.content[:500]
        return staff.user

    return enter


@pytest.fixture
def two_reports(report_in):
    facility = FacilityFactory(name="Confecciones del Norte", state="MX-AGU")
    first = report_in(facility_id=facility.pk, facility_name="").report
    second = report_in(
        facility_id=facility.pk,
        facility_name="",
        categories=["intimidation", "threats"],
    ).report
    return first, second


@pytest.fixture
def case(agu_handler, two_reports) -> Case:
    return services.case_open(
        report_ids=[r.pk for r in two_reports], user=agu_handler.user
    )


# --- Pages render -----------------------------------------------------------------------


def test_a_handler_sees_triage_list_detail_and_figures(
    client, logged_in, agu_handler, two_reports, report_in
):
    # Given a handler, two reports in a case and one still waiting for triage
    user = logged_in(agu_handler)
    case = services.case_open(report_ids=[two_reports[0].pk], user=user)
    waiting = two_reports[1]

    # When they open the pages
    triage = client.get(TRIAGE)
    listing = client.get(LIST)
    page = client.get(detail(case))
    figures = client.get(FIGURES)
    home = client.get("/staff/")

    # Then each shows what it is for
    assert triage.status_code == 200
    assert str(waiting.pk) in triage.content.decode()
    assert str(two_reports[0].pk) not in triage.content.decode()
    assert "Crear caso con las seleccionadas" in triage.content.decode()
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    assert page.status_code == 200
    body = page.content.decode()
    assert case.number in body
    assert "Acuse de recibo" in body
    assert "Primera respuesta" in body
    assert "Resolución" in body
    assert "Confecciones del Norte" in body
    assert figures.status_code == 200
    assert "Centro Laboral Aguascalientes" in figures.content.decode()
    assert 'data-panel="cases"' in home.content.decode()
    assert 'href="/staff/cases/triage/"' in home.content.decode()


# --- Access: another organisation and other roles see nothing ----------------------------


def case_urls(case: Case) -> list[tuple[str, str]]:
    base = detail(case)
    task = CaseTask.objects.create(
        case=case,
        title="Llamar a la inspección",
        owner=case.opened_by,
        due_on=timezone.localdate(),
    )
    return [
        ("get", base),
        ("get", f"{base}facility/search/?fq=norte"),
        ("post", f"{base}status/"),
        ("post", f"{base}assign/"),
        ("post", f"{base}severity/"),
        ("post", f"{base}categories/"),
        ("post", f"{base}facility/"),
        ("post", f"{base}notes/"),
        ("post", f"{base}tasks/"),
        ("post", f"{base}tasks/{task.pk}/done/"),
        ("post", f"{base}documents/"),
        ("get", f"{base}documents/00000000-0000-0000-0000-000000000000/"),
        ("post", f"{base}message/"),
        ("post", f"{base}escalate/"),
    ]


def test_a_handler_of_another_organisation_gets_404_on_every_case_url(
    client, logged_in, pue_handler, case
):
    # Given a handler of Puebla and a case of Aguascalientes
    logged_in(pue_handler)
    urls = case_urls(case)
    version = Case.objects.get(pk=case.pk).version

    # When they try every page and action of the case
    answers = {
        url: getattr(client, method)(
            url, {"status": "closed", "body": "hola"}
        ).status_code
        for method, url in urls
    }

    # Then each is 404, as for a case that does not exist, and nothing changed
    assert set(answers.values()) == {404}, answers
    assert Case.objects.get(pk=case.pk).version == version
    missing = "/staff/cases/00000000-0000-0000-0000-000000000000/"
    assert client.get(missing).status_code == 404
    # Their own list and triage do not show it.
    assert case.number not in client.get(LIST).content.decode()
    assert client.get(TRIAGE).status_code == 200


def test_a_member_without_the_case_role_gets_404(client, logged_in, agu_analyst, case):
    # Given an analyst of the case's own organisation
    logged_in(agu_analyst)

    # When they open the case pages
    answers = [client.get(url).status_code for url in (LIST, TRIAGE, FIGURES)]
    answers += [
        getattr(client, method)(url, {"status": "closed"}).status_code
        for method, url in case_urls(case)
    ]
    answers.append(
        client.post(TRIAGE_ACTION, {"action": "open", "report_ids": []}).status_code
    )

    # Then none exists for them, and the menu does not offer them
    assert set(answers) == {404}
    home = client.get("/staff/").content.decode()
    assert "/staff/cases/" not in home


def test_malformed_ids_are_404_not_500(client, logged_in, agu_handler, case):
    logged_in(agu_handler)
    assert client.get("/staff/cases/not-a-uuid/").status_code == 404
    assert client.post(f"{detail(case)}tasks/nope/done/").status_code == 404
    assert client.get(f"{detail(case)}documents/123/").status_code == 404
    response = client.post(
        f"{detail(case)}tasks/00000000-0000-0000-0000-000000000000/done/"
    )
    assert follow_messages(client, response) == ["Esa tarea no existe."]


# --- Triage ------------------------------------------------------------------------------


def test_triage_opens_a_case_with_the_selected_reports(
    client, logged_in, agu_handler, two_reports
):
    # Given two reports about one facility waiting in triage
    logged_in(agu_handler)

    # When the handler selects both and creates a case
    response = client.post(
        TRIAGE_ACTION,
        {"action": "open", "report_ids": [str(r.pk) for r in two_reports]},
    )

    # Then one case holds both, and the page says so
    case = Case.objects.get()
    assert response["Location"] == detail(case)
    assert set(case.links.values_list("report_id", flat=True)) == {
        r.pk for r in two_reports
    }
    assert follow_messages(client, response) == [
        f"Caso {case.number} abierto con 2 denuncias."
    ]
    assert str(two_reports[0].pk) not in client.get(TRIAGE).content.decode()


def test_triage_adds_reports_to_an_active_case(
    client, logged_in, agu_handler, case, report_in
):
    logged_in(agu_handler)
    third = report_in().report
    page = client.get(TRIAGE).content.decode()
    assert case.number in page  # offered in "Unir al caso…"

    response = client.post(
        TRIAGE_ACTION,
        {"action": "add", "case_id": str(case.pk), "report_ids": [str(third.pk)]},
    )

    assert response["Location"] == detail(case)
    assert CaseReport.objects.filter(case=case, report=third).exists()
    assert follow_messages(client, response) == [
        f"1 denuncia unida al caso {case.number}."
    ]


def test_triage_without_a_selection_or_a_case_says_why(
    client, logged_in, agu_handler, two_reports
):
    logged_in(agu_handler)
    nothing = client.post(TRIAGE_ACTION, {"action": "open"})
    assert follow_messages(client, nothing) == ["Elija al menos una denuncia."]
    no_case = client.post(
        TRIAGE_ACTION, {"action": "add", "report_ids": [str(two_reports[0].pk)]}
    )
    assert follow_messages(client, no_case) == ["Elija el caso al que se unen."]
    bad_id = client.post(TRIAGE_ACTION, {"action": "open", "report_ids": ["xyz"]})
    assert follow_messages(client, bad_id) == ["Alguna denuncia elegida no existe."]
    assert Case.objects.count() == 0


def test_merging_reports_of_different_organisations_is_refused(
    client, logged_in, agu_handler, orgs, report_in
):
    # Given a handler of both organisations, and a report routed to each
    Membership.objects.create(
        user=agu_handler.user, organisation=orgs.pue, role="handler"
    )
    agu = report_in().report
    pue = report_in(state="MX-PUE").report
    logged_in(agu_handler)

    # When they try to merge the two into one case
    response = client.post(
        TRIAGE_ACTION, {"action": "open", "report_ids": [str(agu.pk), str(pue.pk)]}
    )

    # Then the reason is shown and no case exists
    assert follow_messages(client, response) == [
        "Esas denuncias llegaron a organizaciones distintas; un caso solo puede "
        "reunir denuncias de una misma organización."
    ]
    assert Case.objects.count() == 0
    assert response["Location"] == TRIAGE


def test_report_page_offers_related_reports_then_names_its_case(
    client, logged_in, agu_handler, two_reports
):
    # Given two related reports in no case
    logged_in(agu_handler)
    first, second = two_reports
    first_page = f"/staff/reports/{first.pk}/"

    # When the handler opens one report
    page = client.get(first_page).content.decode()

    # Then the other is suggested, with a form to merge them
    assert 'id="report-cases"' in page
    assert f'value="{second.pk}"' in page
    assert "Crear caso con esta denuncia y las marcadas" in page

    # When they merge from there
    response = client.post(
        TRIAGE_ACTION,
        {
            "action": "open",
            "report_ids": [str(first.pk), str(second.pk)],
            "back": str(first.pk),
        },
    )
    case = Case.objects.get()
    assert response["Location"] == detail(case)

    # Then the report page names the case
    page = client.get(first_page).content.decode()
    assert f"Caso {case.number}" in page
    assert "Crear caso con esta denuncia" not in page


def test_an_error_from_the_report_page_goes_back_to_it(
    client, logged_in, agu_handler, two_reports
):
    logged_in(agu_handler)
    first = two_reports[0]
    response = client.post(
        TRIAGE_ACTION,
        {"action": "add", "report_ids": [str(first.pk)], "back": str(first.pk)},
    )
    assert response["Location"] == f"/staff/reports/{first.pk}/#cases-result"
    assert follow_messages(client, response) == ["Elija el caso al que se unen."]


# --- The case page's actions --------------------------------------------------------------


def test_status_change_shows_in_the_header_and_timeline(
    client, logged_in, agu_handler, case
):
    logged_in(agu_handler)
    response = client.post(f"{detail(case)}status/", {"status": "investigating"})
    assert follow_messages(client, response) == ["Estado: En investigación."]
    page = client.get(f"{detail(case)}?tab=historial").content.decode()
    assert "Estado: Abierto → En investigación" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INVESTIGATING


def test_closing_without_a_reason_is_refused_and_changes_nothing(
    client, logged_in, agu_handler, case
):
    logged_in(agu_handler)
    version = Case.objects.get(pk=case.pk).version

    response = client.post(f"{detail(case)}status/", {"status": "closed"})

    assert follow_messages(client, response) == [
        "Para cerrar un caso, elija el motivo del cierre."
    ]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == (CaseStatus.OPEN, version)


def test_resolving_then_closing_with_a_reason_closes_the_reports(
    client, logged_in, agu_handler, case, two_reports
):
    logged_in(agu_handler)
    resolved = client.post(f"{detail(case)}status/", {"status": "resolved"})
    assert follow_messages(client, resolved) == ["Estado: Resuelto."]
    response = client.post(
        f"{detail(case)}status/", {"status": "closed", "reason": "remedied"}
    )
    assert follow_messages(client, response) == ["Estado: Cerrado."]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.closure_reason) == (CaseStatus.CLOSED, "remedied")
    assert {fresh(r).status for r in two_reports} == {ReportStatus.CLOSED}
    page = client.get(f"{detail(case)}?tab=historial").content.decode()
    assert "Estado: Resuelto → Cerrado (motivo: Resuelto: hubo remedio)" in page


def test_a_bad_status_or_transition_is_refused(client, logged_in, agu_handler, case):
    logged_in(agu_handler)
    unknown = client.post(f"{detail(case)}status/", {"status": "lost"})
    assert follow_messages(client, unknown) == ["Estado desconocido."]
    services.case_status_change(case=case, user=agu_handler.user, status="resolved")
    back = client.post(f"{detail(case)}status/", {"status": "referred"})
    assert follow_messages(client, back) == [
        "Un caso «Resuelto» no puede pasar a «Canalizado»."
    ]


def test_assigning_a_colleague_and_refusing_someone_without_the_role(
    client, logged_in, agu_handler, agu_colleague, agu_analyst, case
):
    logged_in(agu_handler)
    ok = client.post(
        f"{detail(case)}assign/", {"assignee_id": str(agu_colleague.user.pk)}
    )
    assert follow_messages(client, ok) == ["Caso asignado a carmen."]
    assert Case.objects.get(pk=case.pk).assignee_id == agu_colleague.user.pk

    version = Case.objects.get(pk=case.pk).version
    refused = client.post(
        f"{detail(case)}assign/", {"assignee_id": str(agu_analyst.user.pk)}
    )
    assert follow_messages(client, refused) == [
        "Esa persona no gestiona casos en la organización del caso; elija a "
        "alguien con ese rol."
    ]
    garbage = client.post(f"{detail(case)}assign/", {"assignee_id": "12"})
    assert "Esa persona no gestiona casos" in follow_messages(client, garbage)[0]
    after = Case.objects.get(pk=case.pk)
    assert (after.assignee_id, after.version) == (agu_colleague.user.pk, version)
    assert (
        "Asignado a carmen"
        in client.get(f"{detail(case)}?tab=historial").content.decode()
    )


def test_severity_categories_and_facility(client, logged_in, agu_handler, case):
    logged_in(agu_handler)
    other = FacilityFactory(name="Textiles del Bajío", state="MX-AGU")

    severity = client.post(f"{detail(case)}severity/", {"severity": "critical"})
    assert follow_messages(client, severity) == ["Gravedad: Crítica."]
    bad_severity = client.post(f"{detail(case)}severity/", {"severity": "huge"})
    assert follow_messages(client, bad_severity) == ["Gravedad desconocida."]

    categories = client.post(
        f"{detail(case)}categories/", {"categories": ["coercion", "wages"]}
    )
    assert follow_messages(client, categories) == ["Categorías actualizadas."]
    none = client.post(f"{detail(case)}categories/", {})
    assert follow_messages(client, none) == ["Elija al menos una categoría."]

    link = client.post(f"{detail(case)}facility/", {"facility_id": str(other.pk)})
    assert follow_messages(client, link) == ["Caso ligado a Textiles del Bajío."]
    unknown = client.post(f"{detail(case)}facility/", {"facility_id": "nope"})
    assert follow_messages(client, unknown) == [
        "Ese centro de trabajo no está en el padrón."
    ]

    after = Case.objects.get(pk=case.pk)
    assert after.severity == Severity.CRITICAL
    assert sorted(after.category_rows.values_list("code", flat=True)) == [
        "coercion",
        "wages",
    ]
    assert after.facility_id == other.pk
    page = client.get(f"{detail(case)}?tab=historial").content.decode()
    assert "Gravedad: Media → Crítica" in page
    assert "Centro de trabajo: Confecciones del Norte → Textiles del Bajío" in page


def test_facility_search_finds_registry_records(client, logged_in, agu_handler, case):
    logged_in(agu_handler)
    from remedia.facilities.services import facility_index

    other = FacilityFactory(name="Textiles del Bajío", state="MX-AGU")
    facility_index(facility=other)
    without_js = client.get(f"{detail(case)}?fq=textiles bajio").content.decode()
    partial = client.get(f"{detail(case)}facility/search/?fq=textiles").content.decode()
    assert f'value="{other.pk}"' in without_js
    assert f'value="{other.pk}"' in partial
    assert "<html" not in partial


def test_notes_are_sealed_and_shown_decrypted(client, logged_in, agu_handler, case):
    logged_in(agu_handler)
    secret = "El gerente de planta habló con la delegada el martes."

    response = client.post(f"{detail(case)}notes/", {"body": secret})
    assert follow_messages(client, response) == ["Nota interna guardada."]
    empty = client.post(f"{detail(case)}notes/", {"body": ""})
    assert follow_messages(client, empty) == ["Escriba la nota."]
    note = CaseNote.objects.get()
    assert secret.encode() not in bytes(note.content)
    page = client.get(f"{detail(case)}?tab=notas").content.decode()
    assert secret in page
    assert page.count(secret) == 1
    # The timeline names the note, never its words.
    timeline = client.get(f"{detail(case)}?tab=historial").content.decode()
    assert secret not in timeline
    assert "Nota interna" in timeline


def test_notes_are_locked_without_an_unlocked_key(client, logged_in, agu_handler, case):
    services.case_note_add(case=case, user=agu_handler.user, body="Nota secreta uno")
    logged_in(agu_handler)
    session = client.session
    del session[keys.SESSION_FIELD]
    session.save()

    page = client.get(f"{detail(case)}?tab=notas").content.decode()

    assert 'id="notes-locked"' in page
    assert "Nota secreta uno" not in page


def test_tasks_added_completed_and_bad_ones_refused(
    client, logged_in, agu_handler, agu_analyst, case
):
    logged_in(agu_handler)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    base = {
        "title": "Pedir la lista de asistencia",
        "owner_id": str(agu_handler.user.pk),
    }

    added = client.post(f"{detail(case)}tasks/", {**base, "due_on": tomorrow})
    assert follow_messages(client, added) == ["Tarea creada para hilda."]
    past = client.post(f"{detail(case)}tasks/", {**base, "due_on": yesterday})
    assert follow_messages(client, past) == [
        "La fecha límite no puede estar en el pasado."
    ]
    not_a_date = client.post(f"{detail(case)}tasks/", {**base, "due_on": "mañana"})
    assert follow_messages(client, not_a_date) == ["Escriba una fecha válida."]
    analyst = client.post(
        f"{detail(case)}tasks/",
        {**base, "due_on": tomorrow, "owner_id": str(agu_analyst.user.pk)},
    )
    assert "Esa persona no gestiona casos" in follow_messages(client, analyst)[0]
    assert CaseTask.objects.count() == 1

    task = CaseTask.objects.get()
    done = client.post(f"{detail(case)}tasks/{task.pk}/done/")
    assert follow_messages(client, done) == ["Tarea completada."]
    again = client.post(f"{detail(case)}tasks/{task.pk}/done/")
    assert follow_messages(client, again) == ["Esa tarea ya estaba completada."]
    assert CaseTask.objects.get().done_by_id == agu_handler.user.pk


def test_documents_upload_cleaned_and_download_never_cached(
    client, logged_in, agu_handler, case
):
    logged_in(agu_handler)
    upload = client.post(
        f"{detail(case)}documents/",
        {"file": _file("acta.png", png_with_text("Autora Secreta"))},
    )
    assert follow_messages(client, upload) == [
        "Documento guardado, sin metadatos y cifrado."
    ]
    refused = client.post(
        f"{detail(case)}documents/", {"file": _file("notas.txt", b"solo texto\n")}
    )
    assert "Ese tipo de archivo no se acepta" in follow_messages(client, refused)[0]
    missing = client.post(f"{detail(case)}documents/", {})
    assert follow_messages(client, missing) == ["Elija un archivo."]
    document = CaseDocument.objects.get()
    assert "acta.png" in client.get(f"{detail(case)}?tab=documentos").content.decode()

    response = client.get(f"{detail(case)}documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "image/png"
    assert b"Autora Secreta" not in response.content


def _file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_message_reaches_every_reporter(
    client, logged_in, agu_handler, case, two_reports
):
    logged_in(agu_handler)
    response = client.post(
        f"{detail(case)}message/", {"body": "¿Siguen las amenazas esta semana?"}
    )
    assert follow_messages(client, response) == [
        "Mensaje enviado a 2 personas denunciantes."
    ]
    empty = client.post(f"{detail(case)}message/", {"body": "  "})
    assert follow_messages(client, empty) == ["Escriba el mensaje."]
    assert {m.report_id for m in Message.objects.filter(author_kind="staff")} == {
        r.pk for r in two_reports
    }
    assert (
        "Mensaje enviado a 2 personas denunciantes"
        in client.get(f"{detail(case)}?tab=historial").content.decode()
    )


def test_escalation_form_only_for_rrm_cases_and_it_makes_a_draft(
    client, logged_in, agu_handler, case
):
    logged_in(agu_handler)
    page = client.get(f"{detail(case)}?tab=mlrr").content.decode()
    assert "Escalar a borrador de petición" in page
    assert "No deben identificar a ninguna persona denunciante" in page

    short = client.post(f"{detail(case)}escalate/", {"summary": "Amenazas."})
    assert follow_messages(client, short) == [
        "Resuma los hechos alegados (al menos 20 caracteres)."
    ]
    bad_doc = client.post(
        f"{detail(case)}escalate/",
        {"summary": "x" * 30, "document_ids": ["not-a-document"]},
    )
    assert follow_messages(client, bad_doc) == ["Documento desconocido."]
    assert Escalation.objects.count() == 0

    response = client.post(
        f"{detail(case)}escalate/",
        {"summary": "Supervisores amenazan con despido a quien apoye al sindicato."},
    )
    assert "Caso escalado" in follow_messages(client, response)[0]
    assert Escalation.objects.count() == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ESCALATED

    services.case_update(case=case, user=agu_handler.user, categories=["wages"])
    page = client.get(f"{detail(case)}?tab=mlrr").content.decode()
    assert "Escalar a borrador de petición" not in page


# --- Filters and query counts ----------------------------------------------------------------


def test_list_filters(client, logged_in, agu_handler, agu_colleague, case, report_in):
    logged_in(agu_handler)
    other = services.case_open(
        report_ids=[report_in(categories=["wages"]).report.pk],
        user=agu_handler.user,
        assignee_id=agu_colleague.user.pk,
    )
    Case.objects.filter(pk=other.pk).update(
        next_due_at=timezone.now() - timedelta(hours=1)
    )

    def numbers(query: str) -> set[str]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {row.case.number for row in response.context["rows"]}

    assert numbers("") == {case.number, other.number}
    assert numbers("category=wages") == {other.number}
    assert numbers(f"assignee={agu_colleague.user.pk}") == {other.number}
    assert numbers("assignee=none") == {case.number}
    assert numbers("assignee=me") == set()
    assert numbers("overdue=1") == {other.number}
    assert numbers(f"facility={case.facility_id}") == {case.number}
    assert numbers(f"number={case.number}") == {case.number}
    assert numbers("status=active") == {case.number, other.number}
    assert numbers("status=closed") == set()
    # Nonsense is ignored, not an error.
    assert numbers("status=bogus&assignee=xyz&urgent=maybe&page=zz") == {
        case.number,
        other.number,
    }
    overdue_page = client.get(f"{LIST}?overdue=1").content.decode()
    assert "clock-overdue" in overdue_page


def test_case_list_and_triage_queries_do_not_grow_with_rows(
    client,
    logged_in,
    agu_handler,
    agu_colleague,
    report_in,
    django_capture_on_commit_callbacks,
):
    # Given cases with facilities, assignees and categories, and reports in triage
    user = logged_in(agu_handler)

    def add(n: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(n):
                facility = FacilityFactory(state="MX-AGU")
                report = report_in(facility_id=facility.pk, facility_name="").report
                services.case_open(
                    report_ids=[report.pk], user=user, assignee_id=agu_colleague.user.pk
                )
                report_in(facility_id=facility.pk, facility_name="")

    def queries(url: str) -> int:
        client.get(url)  # totals and choices cached, as on any busy server
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    add(2)
    few = (queries(LIST), queries(TRIAGE))
    add(28)

    # When the list and triage pages are read, their query counts stay as they were
    many = (queries(LIST), queries(TRIAGE))
    assert many == few
    assert few[0] <= 15
    assert few[1] <= 18
    listing = client.get(LIST)
    triage = client.get(TRIAGE)
    assert len(listing.context["rows"]) == 30
    assert len(triage.context["rows"]) == 30


def _page_queries(client, url: str) -> list[str]:
    """The queries a page makes for its content: not the session, the login, the
    second factor or the shared cache, which every staff page pays alike."""
    client.get(url)  # totals and choices cached, as on any busy server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    shared = (
        'SELECT "django_session"',
        'UPDATE "django_session"',
        'SELECT "accounts_user"',
        'SELECT "accounts_membership"',
        'SELECT "otp_',
        "SAVEPOINT",
        "RELEASE SAVEPOINT",
    )
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(shared) and "remedia_cache" not in q["sql"]
    ]


def test_case_list_and_triage_pages_read_their_rows_in_one_query_each(
    client,
    logged_in,
    agu_handler,
    agu_colleague,
    report_in,
    django_capture_on_commit_callbacks,
):
    # Given cases with facilities, assignees and categories, and reports in triage
    user = logged_in(agu_handler)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            facility = FacilityFactory(state="MX-AGU")
            report = report_in(facility_id=facility.pk, facility_name="").report
            services.case_open(
                report_ids=[report.pk], user=user, assignee_id=agu_colleague.user.pk
            )
            report_in(facility_id=facility.pk, facility_name="")

    # When the list, a filtered list and triage are read
    listing = _page_queries(client, LIST)
    filtered = _page_queries(client, f"{LIST}?status=active&urgent=0")
    triage = _page_queries(client, TRIAGE)

    # Then the list reads who may be assigned and its page of cases (with their
    # facilities and assignees) in one query; triage its page of reports, their
    # categories, the SLA targets and the active cases to join
    assert len(listing) == 2, listing
    assert len(filtered) == 2, filtered
    assert len(triage) == 5, triage


def test_every_action_with_an_empty_form_says_why_and_changes_nothing(
    client, logged_in, agu_handler, case
):
    # Given a case and its handler
    logged_in(agu_handler)
    version = Case.objects.get(pk=case.pk).version
    posts = [url for method, url in case_urls(case) if method == "post"]
    posts.remove(f"{detail(case)}assign/")  # empty means "nobody": a real change
    posts.remove(f"{detail(case)}facility/")  # empty means "no facility"
    done = [url for url in posts if url.endswith("/done/")]
    posts = [url for url in posts if url not in done]

    # When each action is sent with nothing filled in
    for url in posts:
        response = client.post(url, {})
        # Then it goes back to the case with a reason, never a 500
        assert response.status_code == 302, url
        shown = follow_messages(client, response)
        assert len(shown) == 1, (url, shown)
        assert shown[0], url

    assert Case.objects.get(pk=case.pk).version == version


def test_triage_offers_only_active_cases_to_join_with_status_and_facility(
    client, logged_in, agu_handler, case, report_in
):
    # Given an active case, a closed one and a report waiting for triage
    logged_in(agu_handler)
    closed = services.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    Case.objects.filter(pk=closed.pk).update(
        status=CaseStatus.CLOSED, closure_reason="resuelto"
    )
    report_in()

    page = client.get(TRIAGE).content.decode()

    # Then "Unir al caso…" lists the active case only, as number, status and
    # facility in the reader's language (built from four columns, no models)
    pick = page.split('id="join-case"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', pick)
    assert options == [
        (str(case.pk), f"{case.number} — Abierto · Confecciones del Norte")
    ]
