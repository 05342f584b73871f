"""The review queue (a person confirms or rejects a middle-band match, and the
decision is remembered) and the staff pages of the import: upload, progress,
summary, row errors; all only for staff who may edit the registry."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remedia.core.errors import ApplicationError
from remedia.core.models import AuditEntry
from remedia.facilities import forms, services
from remedia.facilities.models import (
    CandidateStatus,
    Facility,
    FacilityEventKind,
    FacilityImport,
    FacilityMatchCandidate,
    ImportStatus,
    MatchDecision,
)
from tests.facilities.import_support import csv_bytes, registered, run_import
from tests.support.factories.accounts import member, totp_device

IMPORT_URL = "/staff/facilities/import/"
REVIEW_URL = "/staff/facilities/review/"
ROW = ("Creaciones Martínez López", "MX-AGU", "Aguascalientes", "80")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def martinez(db) -> Facility:
    return registered(
        name="Creaciones Martínez", municipality="Aguascalientes", address="Calle 5 120"
    )


@pytest.fixture
def pending(martinez) -> FacilityMatchCandidate:
    """A list row put to a person: perhaps the Martínez workshop, perhaps not."""
    imp = run_import(csv_bytes([ROW]))
    assert imp.review_count == 1
    return FacilityMatchCandidate.objects.get()


@pytest.fixture
def reviewer(handler):
    return handler


# --- Deciding ---------------------------------------------------------------------------


def test_confirm_links_updates_and_remembers(pending, martinez, reviewer):
    # When a person says the record is the Martínez workshop
    facility = services.candidate_confirm(candidate=pending, user=reviewer)

    # Then it is that facility, with the record's count and name
    assert facility == martinez
    martinez.refresh_from_db()
    assert martinez.workers == 80
    assert martinez.field_sources["workers"]["source"] == (
        f"import:{pending.facility_import_id}"
    )
    assert list(martinez.aliases.values_list("name", flat=True)) == [
        "Creaciones Martínez López"
    ]
    kinds = set(martinez.events.values_list("kind", flat=True))
    assert {FacilityEventKind.UPDATED, FacilityEventKind.ALIAS_ADDED} <= kinds
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (CandidateStatus.CONFIRMED, reviewer)
    assert pending.decided_at is not None
    decision = MatchDecision.objects.get()
    assert (decision.facility, decision.decided_by) == (martinez, reviewer)
    assert AuditEntry.objects.filter(action="facility.match_confirmed").exists()
    assert Facility.objects.count() == 1

    # and the next import of the record links it without asking
    again = run_import(csv_bytes([ROW]))
    assert (again.matched_count, again.review_count, again.created_count) == (1, 0, 0)
    assert FacilityMatchCandidate.objects.count() == 1


def test_reject_creates_the_facility_and_remembers(pending, martinez, reviewer):
    # When a person says the record is another workshop
    created = services.candidate_reject(candidate=pending, user=reviewer)

    # Then it becomes a facility of its own, and the existing one is untouched
    assert created is not None
    assert created != martinez
    assert (created.name, created.state, created.workers) == (
        "Creaciones Martínez López",
        "MX-AGU",
        80,
    )
    assert created.field_sources["name"]["source"] == (
        f"import:{pending.facility_import_id}"
    )
    assert created.events.get().kind == FacilityEventKind.CREATED
    martinez.refresh_from_db()
    assert martinez.workers is None
    pending.refresh_from_db()
    assert pending.status == CandidateStatus.REJECTED
    assert MatchDecision.objects.get().facility == created

    # and the next import finds that new facility without asking again
    again = run_import(csv_bytes([ROW]))
    assert (again.matched_count, again.review_count, again.created_count) == (1, 0, 0)
    assert Facility.objects.count() == 2


def test_a_decided_candidate_cannot_be_decided_again(pending, reviewer):
    services.candidate_confirm(candidate=pending, user=reviewer)
    with pytest.raises(ApplicationError) as refused:
        services.candidate_reject(candidate=pending, user=reviewer)
    assert "ya decidió" in str(refused.value.message)
    assert Facility.objects.count() == 1


def test_with_several_candidates_rejecting_one_waits_for_the_others(reviewer):
    # Given two facilities of one name in one town (two plants), and a list row
    first = registered(name="Confecciones del Valle", municipality="Calvillo")
    second = registered(name="Confecciones del Valle", municipality="Calvillo")
    imp = run_import(csv_bytes([("Confecciones del Valle", "MX-AGU", "Calvillo", "")]))
    assert imp.review_count == 1
    candidates = {c.facility: c for c in FacilityMatchCandidate.objects.all()}
    assert set(candidates) == {first, second}

    # When the person rejects one plant, nothing is created yet
    assert services.candidate_reject(candidate=candidates[first], user=reviewer) is None
    assert Facility.objects.count() == 2

    # and confirming the other settles the record
    services.candidate_confirm(candidate=candidates[second], user=reviewer)
    assert MatchDecision.objects.get().facility == second


def test_confirming_one_candidate_rules_out_the_others(reviewer):
    first = registered(name="Confecciones del Valle", municipality="Calvillo")
    second = registered(name="Confecciones del Valle", municipality="Calvillo")
    run_import(csv_bytes([("Confecciones del Valle", "MX-AGU", "Calvillo", "")]))
    candidates = {c.facility: c for c in FacilityMatchCandidate.objects.all()}

    services.candidate_confirm(candidate=candidates[first], user=reviewer)

    candidates[second].refresh_from_db()
    assert candidates[second].status == CandidateStatus.REJECTED
    assert not FacilityMatchCandidate.objects.filter(
        status=CandidateStatus.PENDING
    ).exists()
    assert second.aliases.count() == 0


# --- The review page ----------------------------------------------------------------------


@pytest.fixture
def as_reviewer(client, reviewer, log_in_verified):
    assert log_in_verified(reviewer).status_code == 302
    return client


def test_queue_shows_the_record_beside_the_facility_with_the_score(
    as_reviewer, pending, martinez
):
    response = as_reviewer.get(REVIEW_URL)

    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert "1 pregunta pendiente." in text
    assert "Creaciones Martínez López" in text
    assert f"¿Es Creaciones Martínez? Parecido: {round(pending.score * 100)} %" in text
    assert martinez.public_id in text
    assert "Fila 2 de lista.csv" in text
    # the workers row: 80 in the record, nothing in the registry
    assert re.search(r"<td>80</td><td>—</td>", html)
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    assert f"/staff/facilities/review/{pending.pk}/confirm/" in html
    assert f"/staff/facilities/review/{pending.pk}/reject/" in html


def test_queue_page_reads_in_a_fixed_number_of_queries(as_reviewer, reviewer):
    for i in range(6):
        registered(name=f"Creaciones Martínez {i}", municipality="Aguascalientes")
    rows = [
        (f"Creaciones Martínez {i} López", "MX-AGU", "Aguascalientes", "")
        for i in range(6)
    ]
    run_import(csv_bytes(rows))
    assert FacilityMatchCandidate.objects.count() >= 6

    with CaptureQueriesContext(connection) as queries:
        response = as_reviewer.get(REVIEW_URL)

    assert response.status_code == 200
    assert len(queries) <= 12


def test_confirm_through_the_page(as_reviewer, pending, martinez):
    response = as_reviewer.post(f"/staff/facilities/review/{pending.pk}/confirm/")

    assert response.status_code == 302
    assert response["Location"] == REVIEW_URL
    pending.refresh_from_db()
    assert pending.status == CandidateStatus.CONFIRMED
    page = as_reviewer.get(REVIEW_URL).content.decode()
    assert f"vinculado a Creaciones Martínez ({martinez.public_id})" in _text(page)
    assert "No hay nada por revisar." in page


def test_reject_through_the_page(as_reviewer, pending):
    response = as_reviewer.post(f"/staff/facilities/review/{pending.pk}/reject/")

    assert response.status_code == 302
    created = Facility.objects.get(name="Creaciones Martínez López")
    page = _text(as_reviewer.get(REVIEW_URL).content.decode())
    assert f"como un centro nuevo ({created.public_id})" in page


def test_deciding_twice_through_the_page_says_so(as_reviewer, pending):
    as_reviewer.post(f"/staff/facilities/review/{pending.pk}/confirm/")
    response = as_reviewer.post(
        f"/staff/facilities/review/{pending.pk}/reject/", follow=True
    )
    assert "Alguien ya decidió sobre esta coincidencia." in response.content.decode()
    assert Facility.objects.count() == 1


def test_decisions_need_post_and_the_csrf_token(as_reviewer, pending):
    url = f"/staff/facilities/review/{pending.pk}/confirm/"
    # A GET changes nothing
    assert as_reviewer.get(url).status_code == 405
    # and a POST without the form's token is refused
    as_reviewer.handler.enforce_csrf_checks = True
    assert as_reviewer.post(url).status_code == 403
    pending.refresh_from_db()
    assert pending.status == CandidateStatus.PENDING


# --- The import pages ----------------------------------------------------------------------


def _upload(client, data: bytes, name: str = "lista.csv", dry_run: bool = False):
    form = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(IMPORT_URL, form)


def test_import_page_offers_a_file_and_a_dry_run(as_reviewer):
    html = as_reviewer.get(IMPORT_URL).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert 'name="dry_run"' in html
    assert "Solo revisar" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_upload_runs_the_import_and_shows_the_summary(as_reviewer, reviewer, martinez):
    # Given a list with a new facility, an update and a question
    data = csv_bytes(
        [
            ("Bordados Rosy", "Tlaxcala", "Apizaco", "25"),
            ("Creaciones Martínez", "MX-AGU", "Aguascalientes", "33"),
            ROW,
        ]
    )

    # When it is uploaded
    response = _upload(as_reviewer, data)

    # Then the import is queued (and, under tests, runs at once) and its page shows
    imp = FacilityImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/facilities/import/{imp.pk}/"
    assert (imp.status, imp.created_by, imp.dry_run) == (
        ImportStatus.DONE,
        reviewer,
        False,
    )
    page = as_reviewer.get(response["Location"]).content.decode()
    text = _text(page)
    assert "Importación terminada" in text
    assert re.search(r'data-count="created">1<', page)
    assert re.search(r'data-count="updated">1<', page)
    assert re.search(r'data-count="review">1<', page)
    assert '<progress id="import-progress" max="1" value="1">' in page
    assert "Revisar las posibles coincidencias" in text
    assert "Bordados Rosy" in text  # the rows' outcomes
    assert "Se actualiza (personas trabajadoras)" in text
    assert re.search(r"Una persona decide \(parecido: \d+ %\)", text)
    assert "http-equiv" not in page  # finished: no more refreshing
    assert "hx-trigger" not in page
    assert Facility.objects.filter(name="Bordados Rosy", state="MX-TLA").exists()


def test_a_dry_run_upload_stores_nothing_but_its_report(as_reviewer, martinez):
    data = csv_bytes([("Bordados Rosy", "Tlaxcala", "Apizaco", "25"), ROW])

    response = _upload(as_reviewer, data, dry_run=True)

    imp = FacilityImport.objects.get()
    assert imp.dry_run
    assert (imp.created_count, imp.review_count) == (1, 1)
    assert Facility.objects.count() == 1
    assert FacilityMatchCandidate.objects.count() == 0
    text = _text(as_reviewer.get(response["Location"]).content.decode())
    assert "Revisión terminada: no se guardó nada" in text
    assert "Qué pasaría con cada fila" in text
    assert "(se crearía)" in text


def test_a_rejected_file_shows_each_row_and_reason(as_reviewer):
    data = csv_bytes(
        [
            ("Bordados Rosy", "Narnia", "", ""),
            ("Textiles Luna", "MX-AGU", "", "muchos"),
        ]
    )

    response = _upload(as_reviewer, data)

    assert Facility.objects.count() == 0
    page = as_reviewer.get(response["Location"]).content.decode()
    text = _text(page)
    assert "Archivo rechazado: no se guardó nada" in text
    assert "2 filas tienen errores." in text
    assert "2 state Estado desconocido: «Narnia»." in text
    assert (
        "3 workers El número de personas trabajadoras debe ser un número entero" in text
    )
    assert re.search(r'data-count="rejected">2<', page)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "lista.pdf",
            b"%PDF-1.4",
            "Solo se pueden importar archivos CSV o XLSX (Excel).",
        ),
        ("lista.csv", b"", "El archivo está vacío."),
    ],
)
def test_the_form_refuses_what_is_not_a_list(as_reviewer, name, data, reason):
    response = _upload(as_reviewer, data, name=name)

    assert response.status_code == 422
    assert reason in response.content.decode()
    assert FacilityImport.objects.count() == 0


def test_a_list_larger_than_an_attachment_is_accepted(as_reviewer):
    # Given a list past the 10 MB a report's attachment may weigh
    padding = "x" * 100_000
    rows = [(f"Confecciones {i}", "MX-PUE", padding) for i in range(110)]
    data = csv_bytes(rows, header=("name", "state", "notas"))
    assert len(data) > 10 * 1024 * 1024

    # When it is uploaded, it arrives whole and is imported
    response = _upload(as_reviewer, data)

    assert response.status_code == 302
    assert FacilityImport.objects.get().created_count == 110


def test_a_list_past_the_import_limit_is_refused_as_too_large(as_reviewer, monkeypatch):
    monkeypatch.setattr(forms, "IMPORT_MAX_MB", 1)
    data = csv_bytes([("Confecciones", "MX-PUE", "x" * 100_000)] * 12)

    response = _upload(as_reviewer, data)

    assert response.status_code == 422
    assert (
        "El archivo pesa más de 1 MB; divídalo en partes." in response.content.decode()
    )
    assert FacilityImport.objects.count() == 0


def test_the_upload_form_needs_its_csrf_token(as_reviewer):
    as_reviewer.handler.enforce_csrf_checks = True
    response = _upload(as_reviewer, csv_bytes([("Textiles Luna", "MX-AGU", "", "")]))
    assert response.status_code == 403
    assert FacilityImport.objects.count() == 0


def test_a_file_that_is_not_what_it_says_is_rejected_by_the_import(as_reviewer):
    response = _upload(as_reviewer, b"\x89PNG\r\n\x1a\n\0\0\0", name="lista.csv")
    text = _text(as_reviewer.get(response["Location"]).content.decode())
    assert "El archivo no es un CSV: su contenido no es texto." in text
    assert Facility.objects.count() == 0


def test_while_running_the_page_polls_with_htmx_and_refreshes_without_js(
    as_reviewer, reviewer
):
    # Given an import still running (the worker has read half the rows)
    imp = FacilityImport.objects.create(
        file_name="grande.csv",
        file_sha256="0" * 64,
        created_by=reviewer,
        status=ImportStatus.RUNNING,
        total_rows=1000,
        processed_rows=500,
    )

    # Then its page shows a progress bar, polls every second, refreshes without JS
    page = as_reviewer.get(f"/staff/facilities/import/{imp.pk}/").content.decode()
    assert '<progress id="import-progress" max="1000" value="500">' in page
    assert f'hx-get="/staff/facilities/import/{imp.pk}/status/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "/static/django_htmx/" in page or "htmx" in page
    # and the fragment it polls is the status alone
    fragment = as_reviewer.get(f"/staff/facilities/import/{imp.pk}/status/")
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="import-status"')
    assert "<html" not in body
    assert "500 de 1000 filas revisadas (50 %)" in _text(body)


def test_a_job_that_fails_ends_the_import_as_rejected(as_reviewer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "facilities_import", broken)

    response = _upload(as_reviewer, csv_bytes([("Bordados Rosy", "MX-TLA", "", "")]))

    imp = FacilityImport.objects.get()
    assert imp.status == ImportStatus.FAILED
    text = _text(as_reviewer.get(response["Location"]).content.decode())
    assert "falló por un error interno y no se guardó nada" in text


def test_home_page_points_to_the_import_and_the_queue(as_reviewer, pending):
    text = _text(as_reviewer.get("/staff/").content.decode())
    assert "1 posible coincidencia espera su decisión." in text
    assert "Importar una lista" in text


# --- Who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["monitor", "analyst", "coordinator", "protection"])
def test_roles_without_facility_write_get_not_found(
    client, log_in_verified, pending, role
):
    user = member(role, username=f"someone-{role}")
    totp_device(user)
    assert log_in_verified(user).status_code == 302
    imp = FacilityImport.objects.get()

    for url in (
        IMPORT_URL,
        f"/staff/facilities/import/{imp.pk}/",
        f"/staff/facilities/import/{imp.pk}/status/",
        REVIEW_URL,
    ):
        assert client.get(url).status_code == 404, url
    for action in ("confirm", "reject"):
        url = f"/staff/facilities/review/{pending.pk}/{action}/"
        assert client.post(url).status_code == 404, url
    assert (
        client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.csv", b"x")}).status_code
        == 404
    )
    pending.refresh_from_db()
    assert pending.status == CandidateStatus.PENDING
    assert FacilityImport.objects.count() == 1


def test_a_facility_officer_gets_not_found(client, facility_officer, pending, log_in):
    # Through the staff form: a session made any other way is expired (issue 15.1).
    log_in(facility_officer.username)
    assert client.get(REVIEW_URL).status_code == 404
    assert client.get(IMPORT_URL).status_code == 404


def test_an_administrator_may_import(client, log_in_verified):
    admin = member("admin", username="alicia")
    totp_device(admin)
    assert log_in_verified(admin).status_code == 302
    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(REVIEW_URL).status_code == 200


def test_without_login_the_pages_ask_to_log_in(client, pending):
    response = client.get(REVIEW_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/")


def test_another_organisations_handler_sees_the_shared_queue(
    client, handler_b, log_in_verified, pending
):
    # The registry, its imports and its queue are shared by every organisation.
    assert log_in_verified(handler_b).status_code == 302
    assert "Creaciones Martínez López" in client.get(REVIEW_URL).content.decode()


def test_unknown_ids_are_not_found(as_reviewer):
    missing = "00000000-0000-0000-0000-000000000000"
    assert as_reviewer.get(f"/staff/facilities/import/{missing}/").status_code == 404
    assert (
        as_reviewer.post(f"/staff/facilities/review/{missing}/confirm/").status_code
        == 404
    )
