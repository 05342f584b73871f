"""The staff API of case management: lists, one case, the writes the UI needs.

Each organisation sees only its own cases (another's is 404, exactly like a
missing one); bad input is 422 in Spanish with the field and the reason, and
changes nothing; lists take as many queries with forty cases as with five.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.accounts.models import Membership
from remedia.cases import services
from remedia.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CaseReport,
    CaseStatus,
    CaseTask,
    Escalation,
    SlaPolicy,
)
from remedia.core.models import AuditEntry
from remedia.intake.models import Message
from tests.intake.support import INVALID_DATA, NARRATIVE, png_with_text, receipt_auth
from tests.support.actors import staff_member
from tests.support.factories.facilities import FacilityFactory

CASES = "/api/v1/cases"
TRIAGE = "/api/v1/triage"
NOT_FOUND = {"detail": "No encontrado."}

SUMMARY_KEYS = {
    "id",
    "number",
    "status",
    "status_label",
    "severity",
    "severity_label",
    "urgent",
    "organisation_id",
    "facility",
    "assignee",
    "categories",
    "received_at",
    "next_due_at",
    "overdue",
    "clocks",
}


def _get(client, url, staff, **params):
    return client.get(url, params, headers=staff.headers)


def _post(client, url, staff, body: Any = None):
    return client.post(
        url, body or {}, content_type="application/json", headers=staff.headers
    )


def _patch(client, url, staff, body: Any):
    return client.patch(
        url, body, content_type="application/json", headers=staff.headers
    )


def _errors(response) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in response.json()["errors"]]


@pytest.fixture
def open_case(report_in, agu_handler):
    """Open an AGU case from fresh reports through the service; returns the case."""

    def make(*, reports: int = 1, **report_fields: Any) -> Case:
        submitted = [report_in(**report_fields) for _n in range(reports)]
        return services.case_open(
            report_ids=[s.report.pk for s in submitted], user=agu_handler.user
        )

    return make


# --- The list -----------------------------------------------------------------------------


def test_list_shows_the_cases_metadata_and_clock_states(client, agu_handler, report_in):
    # Given a case of two reports about a registry facility, assigned to the handler
    facility = FacilityFactory(name="Textiles Calvillo", state="MX-AGU")
    first = report_in(facility_id=facility.pk, categories=["intimidation"])
    second = report_in(facility_id=facility.pk, categories=["threats"])
    case = services.case_open(
        report_ids=[first.report.pk, second.report.pk],
        user=agu_handler.user,
        assignee_id=agu_handler.user.pk,
    )

    # When the handler lists cases
    response = _get(client, CASES, agu_handler)

    # Then the one case is there with its metadata and the state of each clock
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert set(item) == SUMMARY_KEYS
    assert item["id"] == str(case.pk)
    assert item["number"] == case.number
    assert item["status"] == "open"
    assert item["status_label"] == "Abierto"
    assert item["severity"] == "medium"
    assert item["urgent"] is False
    assert item["organisation_id"] == str(case.organisation_id)
    assert item["facility"] == {
        "id": str(facility.pk),
        "name": "Textiles Calvillo",
        "state": "MX-AGU",
    }
    assert item["assignee"] == {
        "id": str(agu_handler.user.pk),
        "username": "hilda",
    }
    assert item["categories"] == ["intimidation", "threats"]
    assert item["overdue"] is False
    # Opening the case acknowledged it; answering and resolving are still ahead
    assert item["clocks"] == {
        "acknowledge": "met",
        "first_response": "running",
        "resolution": "running",
    }
    assert NARRATIVE not in response.content.decode()


def test_list_is_paginated_urgent_first(client, agu_handler, open_case):
    # Given three ordinary cases and an urgent one, opened last
    ordinary = [open_case() for _n in range(3)]
    urgent = open_case(categories=["child_labour"])

    # When the handler pages two at a time
    pages = [
        _get(client, CASES, agu_handler, limit=2, offset=offset).json()
        for offset in (0, 2, 4)
    ]

    # Then the urgent case comes first, each case once, and every page says the total
    assert [p["count"] for p in pages] == [4, 4, 4]
    seen = [i["id"] for p in pages for i in p["items"]]
    assert seen[0] == str(urgent.pk)
    assert sorted(seen[1:]) == sorted(str(c.pk) for c in ordinary)
    assert pages[2]["items"] == []


@pytest.fixture
def assorted(agu_handler, agu_colleague, open_case):
    """Cases that differ in each filtered field."""
    facility = FacilityFactory(state="MX-AGU")
    cases = {
        "mine": open_case(),
        "carmen": open_case(categories=["wages"]),
        "urgent": open_case(categories=["forced_labour"]),
        "closed": open_case(facility_id=facility.pk),
    }
    user = agu_handler.user
    services.case_update(case=cases["mine"], user=user, assignee_id=user.pk)
    services.case_update(
        case=cases["carmen"], user=user, assignee_id=agu_colleague.user.pk
    )
    services.case_status_change(
        case=cases["closed"], user=user, status="closed", reason="duplicate"
    )
    # The urgent case fell behind: its clocks' due times are in the past.
    past = timezone.now() - timedelta(days=1)
    Case.objects.filter(pk=cases["urgent"].pk).update(next_due_at=past)
    return cases


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closed"}, {"closed"}),
        ({"status": "open"}, {"mine", "carmen", "urgent"}),
        ({"status": "active"}, {"mine", "carmen", "urgent"}),
        ({"category": "wages"}, {"carmen"}),
        ({"category": "forced_labour"}, {"urgent"}),
        ({"assignee": "me"}, {"mine"}),
        ({"assignee": "none"}, {"urgent", "closed"}),
        ({"urgent": "true"}, {"urgent"}),
        ({"overdue": "true"}, {"urgent"}),
        ({"overdue": "false"}, {"mine", "carmen", "closed"}),
        ({"status": "active", "assignee": "none"}, {"urgent"}),
    ],
)
def test_list_filters(client, agu_handler, assorted, params, expected):
    response = _get(client, CASES, agu_handler, **params)

    assert response.status_code == 200
    ids = {i["id"] for i in response.json()["items"]}
    assert {name for name, c in assorted.items() if str(c.pk) in ids} == expected
    assert response.json()["count"] == len(expected)


def test_list_filters_by_facility_number_and_assignee_id(
    client, agu_handler, agu_colleague, assorted
):
    closed = assorted["closed"]

    by_facility = _get(client, CASES, agu_handler, facility_id=closed.facility_id)
    by_number = _get(client, CASES, agu_handler, number=closed.number)
    by_assignee = _get(client, CASES, agu_handler, assignee=agu_colleague.user.pk)

    assert [i["id"] for i in by_facility.json()["items"]] == [str(closed.pk)]
    assert [i["id"] for i in by_number.json()["items"]] == [str(closed.pk)]
    assert [i["id"] for i in by_assignee.json()["items"]] == [
        str(assorted["carmen"].pk)
    ]
    # The overdue one says so
    urgent = _get(client, CASES, agu_handler, urgent="true").json()["items"][0]
    assert urgent["overdue"] is True


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"assignee": "alguien"}, "assignee", "«me» o «none»"),
        ({"facility_id": "planta-3"}, "facility_id", "identificador válido"),
        ({"overdue": "quizá"}, "overdue", "Debe ser verdadero o falso."),
        ({"urgent": "tal vez"}, "urgent", "Debe ser verdadero o falso."),
        ({"limit": 0}, "limit", "Debe estar entre 1 y 200."),
        ({"offset": -1}, "offset", "No puede ser negativo."),
        ({"number": "2026-000000000001"}, "number", "demasiado largo"),
        ({"status": "solved"}, "status", "No es un valor admitido."),
        ({"category": "bribery"}, "category", "No es un valor admitido."),
    ],
)
def test_bad_list_parameters_are_422_in_spanish(
    client, agu_handler, params, field, reason
):
    response = _get(client, CASES, agu_handler, **params)

    assert response.status_code == 422
    assert response.json()["detail"] == INVALID_DATA
    ((got_field, got_reason),) = _errors(response)
    assert got_field == field
    assert reason in got_reason


def test_status_filter_names_active_among_the_admitted_values(client, agu_handler):
    response = _get(client, CASES, agu_handler, status="solved")

    ((_field, reason),) = _errors(response)
    assert "'active'" in reason
    assert "'awaiting_response'" in reason
    assert " or " not in reason


# --- One case ------------------------------------------------------------------------------


@pytest.fixture
def worked_case(client, agu_handler, agu_colleague, report_in):
    """A case with two reports, a note, a task done and one open, a document."""
    facility = FacilityFactory(name="Confecciones del Bajío", state="MX-AGU")
    reports = [
        report_in(facility_id=facility.pk, categories=["intimidation"]),
        report_in(facility_id=facility.pk, categories=["threats"]),
    ]
    user = agu_handler.user
    case = services.case_open(report_ids=[r.report.pk for r in reports], user=user)
    services.case_note_add(case=case, user=user, body="Hablar con la inspectora.")
    due = timezone.localdate() + timedelta(days=3)
    done = services.case_task_add(
        case=case, user=user, title="Pedir nómina", owner_id=user.pk, due_on=due
    )
    services.case_task_done(task=done, user=user)
    services.case_task_add(
        case=case,
        user=user,
        title="Visitar la planta",
        owner_id=agu_colleague.user.pk,
        due_on=due,
    )
    services.case_document_add(
        case=case, user=user, name="acta.png", data=png_with_text("Juana Pérez")
    )
    return case, reports


def test_detail_holds_clocks_reports_tasks_documents_timeline_and_notes(
    client, agu_handler, worked_case
):
    case, reports = worked_case

    response = _get(client, f"{CASES}/{case.pk}", agu_handler)

    assert response.status_code == 200
    body = response.json()
    assert SUMMARY_KEYS <= set(body)
    assert body["number"] == case.number
    assert body["locked"] is False
    assert [n["body"] for n in body["notes"]] == ["Hablar con la inspectora."]
    assert body["notes"][0]["author"] == "hilda"
    # The three clocks, computed now
    clocks = {c["name"]: c for c in body["sla_clocks"]}
    assert set(clocks) == {"acknowledge", "first_response", "resolution"}
    assert clocks["acknowledge"]["state"] == "met"
    assert clocks["acknowledge"]["remaining_seconds"] is None
    assert clocks["resolution"]["state"] == "running"
    assert clocks["resolution"]["remaining_seconds"] > 170 * 86400
    # The reports: metadata only
    assert {r["id"] for r in body["reports"]} == {str(r.report.pk) for r in reports}
    assert set(body["reports"][0]) == {
        "id",
        "channel",
        "status",
        "received_at",
        "urgent",
        "categories",
        "facility_id",
    }
    assert body["reports"][0]["status"] == "in_review"
    assert NARRATIVE not in response.content.decode()
    # The tasks, open ones first
    assert [
        (t["title"], t["owner"]["username"], t["done_by"]) for t in body["tasks"]
    ] == [
        ("Visitar la planta", "carmen", None),
        ("Pedir nómina", "hilda", "hilda"),
    ]
    # The document, with its name decrypted
    (document,) = body["documents"]
    assert document["name"] == "acta.png"
    assert document["content_type"] == "image/png"
    # The timeline, in order, with who did what
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == [
        "opened",
        "report_added",
        "report_added",
        "note_added",
        "task_added",
        "task_done",
        "task_added",
        "document_added",
    ]
    assert body["timeline"][0]["label"] == "Caso abierto"
    assert body["timeline"][0]["actor"] == "hilda"
    assert body["escalations"] == []


def test_every_read_of_a_case_is_audited(client, agu_handler, open_case):
    case = open_case()

    for _n in range(2):
        assert _get(client, f"{CASES}/{case.pk}", agu_handler).status_code == 200

    reads = AuditEntry.objects.filter(action="case.read").order_by("seq")
    assert [(e.object_id, e.actor_id, e.data) for e in reads] == [
        (str(case.pk), str(agu_handler.user.pk), {"decrypted": True})
    ] * 2


def test_token_without_the_key_sees_the_case_locked(client, orgs, worked_case):
    # Given a handler whose token carries no unlocked private key
    case, _reports = worked_case
    metadata_only = staff_member(orgs.agu, "marta", decrypting=False)

    # When the token opens the case
    response = _get(client, f"{CASES}/{case.pk}", metadata_only)

    # Then it gets the metadata, the notes null and the case marked locked
    assert response.status_code == 200
    body = response.json()
    assert body["locked"] is True
    assert body["notes"] is None
    assert body["documents"][0]["name"] is None
    assert "Hablar con la inspectora" not in response.content.decode()
    assert len(body["timeline"]) == 8
    # And the read is audited as one that decrypted nothing
    entry = AuditEntry.objects.get(
        action="case.read", actor_id=str(metadata_only.user.pk)
    )
    assert entry.data == {"decrypted": False}


# --- Access ------------------------------------------------------------------------------


def _object_requests(case: Case, task: CaseTask, document: CaseDocument):
    base = f"{CASES}/{case.pk}"
    return [
        ("get", base, None),
        ("patch", base, {"severity": "low"}),
        ("post", f"{base}/reports", {"report_ids": [str(uuid.uuid4())]}),
        ("post", f"{base}/status", {"status": "investigating"}),
        ("post", f"{base}/notes", {"body": "Una nota"}),
        (
            "post",
            f"{base}/tasks",
            {
                "title": "Algo",
                "owner_id": str(task.owner_id),
                "due_on": str(timezone.localdate() + timedelta(days=1)),
            },
        ),
        ("post", f"{base}/tasks/{task.pk}/done", None),
        ("post", f"{base}/messages", {"body": "Hola"}),
        (
            "post",
            f"{base}/escalations",
            {"summary": "x" * 40, "document_ids": [str(document.pk)]},
        ),
        ("get", f"{base}/documents/{document.pk}", None),
    ]


def _send(client, method: str, url: str, staff, body: Any):
    if method == "get":
        return client.get(url, headers=staff.headers)
    call = getattr(client, method)
    return call(url, body or {}, content_type="application/json", headers=staff.headers)


def _snapshot(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.version,
        case.status,
        case.severity,
        CaseEvent.objects.filter(case=case).count(),
        CaseNote.objects.filter(case=case).count(),
        CaseTask.objects.filter(case=case, done_at__isnull=True).count(),
        Message.objects.count(),
        Escalation.objects.count(),
    )


@pytest.mark.parametrize("who", ["pue_handler", "agu_analyst"])
def test_outsiders_get_404_on_every_object_endpoint_and_change_nothing(
    client, request, worked_case, who
):
    # Given AGU's case, with a task and a document
    case, _reports = worked_case
    task = CaseTask.objects.filter(case=case, done_at__isnull=True).get()
    document = CaseDocument.objects.get(case=case)
    outsider = request.getfixturevalue(who)
    before = _snapshot(case)

    for method, url, body in _object_requests(case, task, document):
        # When another organisation's handler (or a member without the case role)
        # calls it
        response = _send(client, method, url, outsider, body)

        # Then the answer is the 404 of a missing object
        assert response.status_code == 404, (method, url, response.content)
        assert response.json() == NOT_FOUND

    # And nothing changed, nothing was read
    assert _snapshot(case) == before
    assert not AuditEntry.objects.filter(
        action__startswith="case.", actor_id=str(outsider.user.pk)
    ).exists()


def test_missing_and_malformed_ids_are_the_same_404(client, agu_handler, worked_case):
    case, _reports = worked_case
    document = CaseDocument.objects.get(case=case)
    task = CaseTask.objects.filter(case=case).first()
    assert task is not None
    urls = [
        f"{CASES}/{uuid.uuid4()}",
        f"{CASES}/no-es-un-caso",
        f"{CASES}/12345",
        f"{CASES}/{case.pk}/documents/{uuid.uuid4()}",
        f"{CASES}/{case.pk}/documents/nada",
        # A document of the right organisation under another of its cases
        f"{CASES}/{_other_case(agu_handler, case).pk}/documents/{document.pk}",
    ]

    for url in urls:
        response = client.get(url, headers=agu_handler.headers)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND

    for url in (
        f"{CASES}/{case.pk}/tasks/{uuid.uuid4()}/done",
        f"{CASES}/{case.pk}/tasks/cualquiera/done",
        f"{CASES}/{_other_case(agu_handler, case).pk}/tasks/{task.pk}/done",
    ):
        response = _post(client, url, agu_handler)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND


def _other_case(staff, case: Case) -> Case:
    from remedia.intake import services as intake

    report = intake.report_submit(
        draft=intake.ReportDraft(
            channel="web",
            categories=["wages"],
            narrative=NARRATIVE,
            state="MX-AGU",
        )
    ).report
    return services.case_open(report_ids=[report.pk], user=staff.user)


def test_analyst_sees_an_empty_list_and_empty_triage(
    client, agu_analyst, open_case, report_in
):
    open_case()
    report_in()

    assert _get(client, CASES, agu_analyst).json() == {"items": [], "count": 0}
    assert _get(client, TRIAGE, agu_analyst).json() == {"items": [], "count": 0}
    figures = _get(client, f"{CASES}/figures", agu_analyst)
    assert figures.status_code == 200
    assert figures.json() == []


def test_other_organisation_lists_none_of_the_cases(client, pue_handler, open_case):
    open_case()

    assert _get(client, CASES, pue_handler).json() == {"items": [], "count": 0}
    assert _get(client, TRIAGE, pue_handler).json() == {"items": [], "count": 0}


def test_without_a_token_every_endpoint_is_401(client, open_case):
    case = open_case()

    assert client.get(CASES).status_code == 401
    assert client.get(f"{CASES}/{case.pk}").status_code == 401
    assert client.get(TRIAGE).status_code == 401
    assert (
        client.post(
            CASES, {"report_ids": []}, content_type="application/json"
        ).status_code
        == 401
    )


# --- Writes: happy paths ----------------------------------------------------------------------


def test_open_a_case_from_two_reports(client, agu_handler, agu_colleague, report_in):
    # Given two reports in the triage inbox
    first, second = report_in(), report_in(categories=["threats"])

    # When the handler merges them into a case, assigned to a colleague, severe
    response = _post(
        client,
        CASES,
        agu_handler,
        {
            "report_ids": [str(first.report.pk), str(second.report.pk)],
            "assignee_id": str(agu_colleague.user.pk),
            "severity": "high",
        },
    )

    # Then the case exists with both reports, assignee and severity
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert case.assignee == agu_colleague.user
    assert case.severity == "high"
    assert {r["id"] for r in body["reports"]} == {
        str(first.report.pk),
        str(second.report.pk),
    }
    assert body["categories"] == ["intimidation", "threats"]
    assert body["assignee"]["username"] == "carmen"
    # And the reports left the triage inbox
    assert _get(client, TRIAGE, agu_handler).json()["count"] == 0


def test_add_reports_to_a_case(client, agu_handler, open_case, report_in):
    case = open_case()
    later = report_in(categories=["wages"])

    response = _post(
        client,
        f"{CASES}/{case.pk}/reports",
        agu_handler,
        {"report_ids": [str(later.report.pk)]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["reports"]) == 2
    assert body["categories"] == ["intimidation", "wages"]
    assert CaseReport.objects.filter(case=case).count() == 2


def test_patch_changes_only_the_fields_given(
    client, agu_handler, agu_colleague, open_case
):
    # Given a case assigned to a colleague, with check-ins on
    case = open_case()
    services.case_update(
        case=case, user=agu_handler.user, assignee_id=agu_colleague.user.pk
    )
    facility = FacilityFactory(state="MX-AGU")
    url = f"{CASES}/{case.pk}"

    # When the handler changes the severity, facility and categories only
    response = _patch(
        client,
        url,
        agu_handler,
        {
            "severity": "critical",
            "facility_id": str(facility.pk),
            "categories": ["threats", "coercion"],
        },
    )

    # Then those changed, and the assignee and check-ins stayed
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["severity"] == "critical"
    assert body["facility"]["id"] == str(facility.pk)
    assert body["categories"] == ["coercion", "threats"]
    assert body["assignee"]["username"] == "carmen"
    assert body["retaliation_checkins"] is True

    # When they clear the assignee and turn off check-ins (explicit null / false)
    cleared = _patch(
        client, url, agu_handler, {"assignee_id": None, "retaliation_checkins": False}
    ).json()

    # Then only those changed
    assert cleared["assignee"] is None
    assert cleared["retaliation_checkins"] is False
    assert cleared["severity"] == "critical"
    assert cleared["facility"]["id"] == str(facility.pk)

    # And an empty patch changes nothing at all
    version = Case.objects.get(pk=case.pk).version
    assert _patch(client, url, agu_handler, {}).status_code == 200
    assert Case.objects.get(pk=case.pk).version == version


def test_status_workflow_up_to_closing_with_a_reason(client, agu_handler, open_case):
    case = open_case()
    url = f"{CASES}/{case.pk}/status"

    investigating = _post(client, url, agu_handler, {"status": "investigating"})
    closed = _post(client, url, agu_handler, {"status": "closed", "reason": "remedied"})

    assert investigating.status_code == 200
    assert investigating.json()["status"] == "investigating"
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed"
    assert body["status_label"] == "Cerrado"
    assert body["closure_reason"] == "remedied"
    assert body["closed_at"] is not None
    clocks = {c["name"]: c["state"] for c in body["sla_clocks"]}
    assert clocks["resolution"] == "met"
    assert body["next_due_at"] is None


def test_add_a_note(client, agu_handler, open_case):
    case = open_case()

    response = _post(
        client, f"{CASES}/{case.pk}/notes", agu_handler, {"body": "  Llamar mañana. "}
    )

    assert response.status_code == 201
    assert response.json()["body"] == "Llamar mañana."
    assert response.json()["author"] == "hilda"
    detail = _get(client, f"{CASES}/{case.pk}", agu_handler).json()
    assert [n["body"] for n in detail["notes"]] == ["Llamar mañana."]
    # Sealed in the database
    assert b"Llamar" not in bytes(CaseNote.objects.get(case=case).content)


def test_add_a_task_and_mark_it_done(client, agu_handler, agu_colleague, open_case):
    case = open_case()
    due = timezone.localdate() + timedelta(days=2)

    created = _post(
        client,
        f"{CASES}/{case.pk}/tasks",
        agu_handler,
        {
            "title": "Pedir listas",
            "owner_id": str(agu_colleague.user.pk),
            "due_on": str(due),
        },
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["owner"]["username"] == "carmen"
    assert task["due_on"] == str(due)
    assert task["done_at"] is None
    assert task["overdue"] is False

    done = _post(client, f"{CASES}/{case.pk}/tasks/{task['id']}/done", agu_handler)

    assert done.status_code == 200
    assert done.json()["done_by"] == "hilda"
    assert done.json()["done_at"] is not None
    # Done twice is a clear error, not a second completion
    again = _post(client, f"{CASES}/{case.pk}/tasks/{task['id']}/done", agu_handler)
    assert again.status_code == 400
    assert again.json() == {"detail": "Esa tarea ya estaba completada."}


def test_message_reaches_every_reporter_through_their_receipt(
    client, agu_handler, report_in
):
    # Given a case of two workers' reports
    first, second = report_in(), report_in()
    case = services.case_open(
        report_ids=[first.report.pk, second.report.pk], user=agu_handler.user
    )

    # When the handler asks both one question
    response = _post(
        client,
        f"{CASES}/{case.pk}/messages",
        agu_handler,
        {"body": "¿Siguen las amenazas en la línea 3?"},
    )

    # Then each worker reads it with their own receipt, and the clock is answered
    assert response.status_code == 201
    assert response.json() == {"reporters": 2}
    for submitted in (first, second):
        me = client.get("/api/v1/intake/me", headers=receipt_auth(submitted.receipt))
        bodies = [m["body"] for m in me.json()["messages"]]
        assert bodies == ["¿Siguen las amenazas en la línea 3?"]
    detail = _get(client, f"{CASES}/{case.pk}", agu_handler).json()
    assert detail["clocks"]["first_response"] == "met"


def test_escalate_with_a_document_as_evidence(client, agu_handler, worked_case):
    case, _reports = worked_case
    document = CaseDocument.objects.get(case=case)

    response = _post(
        client,
        f"{CASES}/{case.pk}/escalations",
        agu_handler,
        {
            "summary": "Amenazas de despido a quien apoye al sindicato independiente.",
            "document_ids": [str(document.pk)],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    # The RRM app's receiver takes the draft over at once (cases.hooks).
    assert body["status"] == "handed_over"
    assert body["categories"] == ["intimidation", "threats"]
    assert body["document_ids"] == [str(document.pk)]
    assert body["facility_id"] == str(case.facility_id)
    detail = _get(client, f"{CASES}/{case.pk}", agu_handler).json()
    assert detail["status"] == "escalated"
    assert [e["id"] for e in detail["escalations"]] == [body["id"]]


def test_upload_and_download_a_document(client, agu_handler, open_case):
    case = open_case()
    upload = SimpleUploadedFile(
        "foto.png", png_with_text("Juana Pérez"), content_type="image/png"
    )

    created = client.post(
        f"{CASES}/{case.pk}/documents", {"file": upload}, headers=agu_handler.headers
    )
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["name"] == "foto.png"
    assert document["content_type"] == "image/png"

    response = client.get(
        f"{CASES}/{case.pk}/documents/{document['id']}", headers=agu_handler.headers
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "no-store"
    assert 'filename="foto.png"' in response["Content-Disposition"]
    assert response.content.startswith(b"\x89PNG")
    assert b"Juana" not in response.content
    assert AuditEntry.objects.filter(action="case.document_read").count() == 1


def test_locked_token_cannot_download_a_document(client, orgs, worked_case):
    case, _reports = worked_case
    document = CaseDocument.objects.get(case=case)
    metadata_only = staff_member(orgs.agu, "marta", decrypting=False)

    response = client.get(
        f"{CASES}/{case.pk}/documents/{document.pk}", headers=metadata_only.headers
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("organisation", {"Centro Laboral Aguascalientes"}),
        ("category", {"Intimidación", "Salarios no pagados o por debajo del mínimo"}),
    ],
)
def test_figures(client, agu_handler, open_case, by, keys):
    open_case()
    open_case(categories=["wages"])

    response = _get(client, f"{CASES}/figures", agu_handler, by=by)

    assert response.status_code == 200
    rows = response.json()
    assert sum(r["cases"] for r in rows) == 2
    if by == "organisation":
        assert {r["label"] for r in rows} == keys
        assert rows[0]["acknowledged_on_time"] == 100


def test_figures_grouping_must_be_known(client, agu_handler):
    response = _get(client, f"{CASES}/figures", agu_handler, by="country")

    assert response.status_code == 422
    ((field, reason),) = _errors(response)
    assert field == "by"
    assert reason.startswith("No es un valor admitido.")


def test_triage_lists_reports_not_in_a_case_with_their_acknowledge_clock(
    client, orgs, agu_handler, report_in, open_case
):
    # Given a case, a waiting report and an urgent one, with a 2-hour urgent target
    SlaPolicy.objects.create(
        organisation=orgs.agu,
        urgent=True,
        acknowledge_hours=2,
        first_response_hours=24,
        resolution_days=30,
    )
    open_case()
    waiting = report_in()
    urgent = report_in(categories=["forced_labour"])

    # When the handler opens triage
    response = _get(client, TRIAGE, agu_handler)

    # Then the two reports are there, urgent first, each with its clock
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [i["id"] for i in body["items"]] == [
        str(urgent.report.pk),
        str(waiting.report.pk),
    ]
    first = body["items"][0]
    assert first["acknowledge"]["state"] == "due_soon"
    due_at = datetime.fromisoformat(first["acknowledge"]["due_at"])
    expected_due = urgent.report.created_at + timedelta(hours=2)
    assert abs(due_at - expected_due) < timedelta(seconds=1)
    assert 7000 < first["acknowledge"]["remaining_seconds"] <= 7200
    assert 6 * 86400 < body["items"][1]["acknowledge"]["remaining_seconds"] <= 7 * 86400
    assert NARRATIVE not in response.content.decode()
    # And filters narrow it
    only_urgent = _get(client, TRIAGE, agu_handler, urgent="true").json()
    assert [i["id"] for i in only_urgent["items"]] == [str(urgent.report.pk)]
    bad = _get(client, TRIAGE, agu_handler, category="bribery")
    assert bad.status_code == 422
    assert _errors(bad)[0][0] == "category"


def test_triage_total_follows_every_change_despite_its_cache(
    client, agu_handler, report_in, django_capture_on_commit_callbacks
):
    # Given a report a handler already moved to "in review" from the inbox
    from remedia.intake import services as intake

    reviewed = report_in()
    intake.report_status_change(
        report=reviewed.report, user=agu_handler.user, status="in_review"
    )
    assert _get(client, TRIAGE, agu_handler).json()["count"] == 1

    # When it joins a case (its status does not change) / then triage is empty
    with django_capture_on_commit_callbacks(execute=True):
        services.case_open(report_ids=[reviewed.report.pk], user=agu_handler.user)
    assert _get(client, TRIAGE, agu_handler).json() == {"items": [], "count": 0}

    # When a new report arrives (and its transaction commits) / then it counts
    with django_capture_on_commit_callbacks(execute=True):
        report_in()
    assert _get(client, TRIAGE, agu_handler).json()["count"] == 1


# --- Bad input: a clear error, nothing changed ------------------------------------------------


def test_merging_reports_of_different_organisations_is_422(
    client, orgs, agu_handler, report_in
):
    # Given a handler who works cases in both Aguascalientes and Puebla
    Membership.objects.create(
        user=agu_handler.user, organisation=orgs.pue, role="handler"
    )
    agu_report = report_in()
    pue_report = report_in(state="MX-PUE")

    # When they try to merge a report of each into one case
    response = _post(
        client,
        CASES,
        agu_handler,
        {"report_ids": [str(agu_report.report.pk), str(pue_report.report.pk)]},
    )

    # Then the answer names report_ids and why, and no case exists
    assert response.status_code == 422
    assert response.json()["detail"] == INVALID_DATA
    assert _errors(response) == [
        (
            "report_ids",
            "Esas denuncias llegaron a organizaciones distintas; un caso solo "
            "puede reunir denuncias de una misma organización.",
        )
    ]
    assert not Case.objects.exists()
    assert not CaseReport.objects.exists()


def test_merging_another_organisations_report_is_422_like_a_missing_one(
    client, agu_handler, report_in
):
    agu_report = report_in()
    pue_report = report_in(state="MX-PUE")

    theirs = _post(
        client,
        CASES,
        agu_handler,
        {"report_ids": [str(agu_report.report.pk), str(pue_report.report.pk)]},
    )
    missing = _post(
        client,
        CASES,
        agu_handler,
        {"report_ids": [str(agu_report.report.pk), str(uuid.uuid4())]},
    )

    assert theirs.status_code == missing.status_code == 422
    assert theirs.json() == missing.json()
    assert _errors(theirs) == [("report_ids", "Alguna denuncia elegida no existe.")]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report_ids": []}, "report_ids"),
        ({"report_ids": ["no-es-un-id"]}, "report_ids.0"),
        ({"report_ids": "todas"}, "report_ids"),
        ({}, "report_ids"),
    ],
)
def test_open_with_malformed_report_ids_is_422(client, agu_handler, body, field):
    response = _post(client, CASES, agu_handler, body)

    assert response.status_code == 422
    assert _errors(response)[0][0] == field
    assert not Case.objects.exists()


def test_closing_without_a_reason_is_422_and_changes_nothing(
    client, agu_handler, open_case
):
    case = open_case()
    before = _snapshot(case)

    response = _post(
        client, f"{CASES}/{case.pk}/status", agu_handler, {"status": "closed"}
    )

    assert response.status_code == 422
    assert _errors(response) == [
        ("reason", "Para cerrar un caso, elija el motivo del cierre.")
    ]
    assert _snapshot(case) == before
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_unknown_status_or_reason_is_422(client, agu_handler, open_case):
    case = open_case()
    url = f"{CASES}/{case.pk}/status"

    unknown = _post(client, url, agu_handler, {"status": "archived"})
    bad_reason = _post(client, url, agu_handler, {"status": "closed", "reason": "x"})

    assert _errors(unknown)[0][0] == "status"
    assert _errors(bad_reason)[0][0] == "reason"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_forbidden_transition_is_422(client, agu_handler, open_case):
    case = open_case()
    services.case_status_change(case=case, user=agu_handler.user, status="resolved")

    response = _post(
        client, f"{CASES}/{case.pk}/status", agu_handler, {"status": "referred"}
    )

    assert response.status_code == 422
    assert _errors(response) == [
        ("status", "Un caso «Resuelto» no puede pasar a «Canalizado».")
    ]


def test_assigning_to_someone_without_the_role_is_422_and_changes_nothing(
    client, agu_handler, agu_analyst, pue_handler, open_case
):
    case = open_case()
    before = _snapshot(case)
    reason = (
        "Esa persona no gestiona casos en la organización del caso; "
        "elija a alguien con ese rol."
    )

    for who in (agu_analyst, pue_handler):
        response = _patch(
            client,
            f"{CASES}/{case.pk}",
            agu_handler,
            {"assignee_id": str(who.user.pk), "severity": "low"},
        )
        assert response.status_code == 422
        assert _errors(response) == [("assignee_id", reason)]

    # The severity given with it did not change either
    assert _snapshot(case) == before
    assert Case.objects.get(pk=case.pk).assignee is None
    # Nor at opening
    opened = _post(
        client,
        CASES,
        agu_handler,
        {
            "report_ids": [str(CaseReport.objects.get().report_id)],
            "assignee_id": str(agu_analyst.user.pk),
        },
    )
    assert opened.status_code == 422


def test_task_due_in_the_past_is_422_and_changes_nothing(
    client, agu_handler, agu_analyst, open_case
):
    case = open_case()
    before = _snapshot(case)
    yesterday = timezone.localdate() - timedelta(days=1)

    response = _post(
        client,
        f"{CASES}/{case.pk}/tasks",
        agu_handler,
        {
            "title": "Tarde",
            "owner_id": str(agu_analyst.user.pk),
            "due_on": str(yesterday),
        },
    )

    assert response.status_code == 422
    assert dict(_errors(response)) == {
        "due_on": "La fecha límite no puede estar en el pasado.",
        "owner_id": "Esa persona no gestiona casos en la organización del caso; "
        "elija a alguien con ese rol.",
    }
    assert _snapshot(case) == before
    assert not CaseTask.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            {"title": "X", "owner_id": "nadie", "due_on": "2099-01-01"},
            "owner_id",
            "identificador",
        ),
        ({"title": "X", "due_on": "mañana"}, "due_on", "AAAA-MM-DD"),
    ],
)
def test_malformed_task_is_422(client, agu_handler, open_case, body, field, reason):
    case = open_case()

    response = _post(client, f"{CASES}/{case.pk}/tasks", agu_handler, body)

    assert response.status_code == 422
    assert any(f == field and reason in r for f, r in _errors(response))
    assert not CaseTask.objects.exists()


def test_bad_patch_values_are_422(client, agu_handler, open_case):
    case = open_case()
    before = _snapshot(case)
    url = f"{CASES}/{case.pk}"

    severity = _patch(client, url, agu_handler, {"severity": "enorme"})
    categories = _patch(client, url, agu_handler, {"categories": []})
    facility = _patch(client, url, agu_handler, {"facility_id": str(uuid.uuid4())})

    assert _errors(severity)[0][0] == "severity"
    assert _errors(categories) == [("categories", "Elija al menos una categoría.")]
    assert _errors(facility) == [
        ("facility_id", "Ese centro de trabajo no está en el padrón.")
    ]
    assert _snapshot(case) == before
    # A field the patch does not change is refused, not silently ignored
    status = _patch(client, url, agu_handler, {"status": "closed"})
    assert status.status_code == 422
    assert _errors(status) == [("status", "Este campo no se admite.")]


def test_escalating_without_a_facility_or_summary_is_422(
    client, agu_handler, open_case
):
    case = open_case()
    before = _snapshot(case)

    response = _post(
        client, f"{CASES}/{case.pk}/escalations", agu_handler, {"summary": "corto"}
    )

    assert response.status_code == 422
    assert {f for f, _r in _errors(response)} == {"facility_id", "summary"}
    assert _snapshot(case) == before


def test_english_speaker_gets_english_reasons(client, agu_handler, open_case):
    case = open_case()

    response = client.post(
        f"{CASES}/{case.pk}/status",
        {"status": "closed"},
        content_type="application/json",
        headers={**agu_handler.headers, "Accept-Language": "en"},
    )

    assert response.status_code == 422
    ((field, _reason),) = _errors(response)
    assert field == "reason"
    assert response.json()["detail"] not in (INVALID_DATA, "")


# --- Query counts ------------------------------------------------------------------------


def _queries(client, url, staff, **params) -> int:
    # A first call settles the token's "last used" stamp and shares keys.
    assert _get(client, url, staff, **params).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, url, staff, **params)
    assert response.status_code == 200
    return len(queries)


def _domain_queries(client, url, staff, **params) -> list[str]:
    """The queries of the endpoint itself: not the token check, which in tests
    reads and writes the database cache."""
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, url, staff, **params).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "remedia_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def _many_cases(agu_handler, agu_colleague, report_in, n: int) -> None:
    user = agu_handler.user
    facility = FacilityFactory(state="MX-AGU")
    for i in range(n):
        submitted = report_in(
            facility_id=facility.pk if i % 2 else None,
            categories=["wages", "hours"] if i % 3 else ["intimidation"],
        )
        services.case_open(
            report_ids=[submitted.report.pk],
            user=user,
            assignee_id=(user if i % 2 else agu_colleague.user).pk,
        )


def test_case_list_query_count_does_not_grow_with_cases(
    client,
    agu_handler,
    agu_colleague,
    report_in,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _many_cases(agu_handler, agu_colleague, report_in, 5)
    few = _queries(client, CASES, agu_handler)
    filtered_few = _queries(
        client, CASES, agu_handler, status="active", overdue="false"
    )

    with django_capture_on_commit_callbacks(execute=True):
        _many_cases(agu_handler, agu_colleague, report_in, 35)
    many = _queries(client, CASES, agu_handler)
    filtered_many = _queries(
        client, CASES, agu_handler, status="active", overdue="false"
    )

    assert _get(client, CASES, agu_handler).json()["count"] == 40
    assert many == few
    assert filtered_many == filtered_few
    with django_assert_max_num_queries(few):
        _get(client, CASES, agu_handler, limit=200)
    # The page and its categories (the total comes from the cache); nothing
    # per case
    assert len(_domain_queries(client, CASES, agu_handler, limit=200)) == 2


def test_triage_query_count_does_not_grow_with_reports(
    client,
    agu_handler,
    report_in,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # Reports committed, so that the cached total follows them
    facility = FacilityFactory(state="MX-AGU")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            report_in(
                facility_id=facility.pk if i % 2 else None,
                categories=["wages", "hours"],
            )
    few = _queries(client, TRIAGE, agu_handler)

    with django_capture_on_commit_callbacks(execute=True):
        for i in range(35):
            report_in(
                facility_id=facility.pk if i % 2 else None,
                categories=["forced_labour"] if i % 5 == 0 else ["threats"],
            )
    many = _queries(client, TRIAGE, agu_handler)

    assert _get(client, TRIAGE, agu_handler).json()["count"] == 40
    assert many == few
    with django_assert_max_num_queries(few):
        _get(client, TRIAGE, agu_handler, limit=200)
    # The page, its categories, the SLA policies and who received each (the
    # total comes from the cache)
    assert len(_domain_queries(client, TRIAGE, agu_handler, limit=200)) == 4


def _work(case: Case, staff, colleague, n: int) -> None:
    user = staff.user
    due = timezone.localdate() + timedelta(days=5)
    for i in range(n):
        services.case_note_add(case=case, user=user, body=f"Nota {i}")
        task = services.case_task_add(
            case=case,
            user=user,
            title=f"Tarea {i}",
            owner_id=(user if i % 2 else colleague.user).pk,
            due_on=due,
        )
        if i % 2:
            services.case_task_done(task=task, user=user)
        services.case_document_add(
            case=case, user=user, name=f"doc{i}.png", data=png_with_text("x")
        )


def test_case_detail_query_count_does_not_grow_with_its_contents(
    client, agu_handler, agu_colleague, report_in, django_assert_max_num_queries
):
    facility = FacilityFactory(state="MX-AGU")
    reports = [report_in(facility_id=facility.pk) for _n in range(2)]
    case = services.case_open(
        report_ids=[r.report.pk for r in reports], user=agu_handler.user
    )
    _work(case, agu_handler, agu_colleague, 1)
    summary = "Amenazas a quienes apoyan al sindicato nuevo, en la línea 3."
    services.case_escalate(case=case, user=agu_handler.user, summary=summary)
    url = f"{CASES}/{case.pk}"
    few = _queries(client, url, agu_handler)

    more = [report_in(facility_id=facility.pk) for _n in range(8)]
    services.case_reports_add(
        case=case, report_ids=[r.report.pk for r in more], user=agu_handler.user
    )
    _work(case, agu_handler, agu_colleague, 8)
    services.case_escalate(
        case=case,
        user=agu_handler.user,
        summary=summary,
        document_ids=list(
            CaseDocument.objects.filter(case=case).values_list("pk", flat=True)
        ),
    )
    many = _queries(client, url, agu_handler)

    body = _get(client, url, agu_handler).json()
    assert len(body["reports"]) == 10
    assert len(body["notes"]) == 9
    assert len(body["tasks"]) == 9
    assert [len(e["document_ids"]) for e in body["escalations"]] == [9, 0]
    assert many == few
    with django_assert_max_num_queries(few):
        _get(client, url, agu_handler)
    # The case and its categories, its key grant, notes, documents (read once,
    # when the case is opened), escalations and their documents, reports and
    # their categories, tasks, the timeline; besides, the audit entry
    reads = [
        q for q in _domain_queries(client, url, agu_handler) if "core_audit" not in q
    ]
    assert len(reads) == 11, reads


# --- The API document -------------------------------------------------------------------------


def test_openapi_document_lists_the_case_endpoints(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/figures": {"get"},
        "/api/v1/cases/{case_id}": {"get", "patch"},
        "/api/v1/cases/{case_id}/reports": {"post"},
        "/api/v1/cases/{case_id}/status": {"post"},
        "/api/v1/cases/{case_id}/notes": {"post"},
        "/api/v1/cases/{case_id}/tasks": {"post"},
        "/api/v1/cases/{case_id}/tasks/{task_id}/done": {"post"},
        "/api/v1/cases/{case_id}/messages": {"post"},
        "/api/v1/cases/{case_id}/escalations": {"post"},
        "/api/v1/cases/{case_id}/documents": {"post"},
        "/api/v1/cases/{case_id}/documents/{document_id}": {"get"},
        "/api/v1/triage": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert set(paths[path]) >= methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"], (path, method)
            assert operation["tags"] == ["cases (staff)"]
    listed = paths["/api/v1/cases"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {
        "status",
        "facility_id",
        "category",
        "assignee",
        "overdue",
        "urgent",
        "number",
        "limit",
        "offset",
    }
    assert "200" in listed["responses"]
    assert "201" in paths["/api/v1/cases"]["post"]["responses"]
