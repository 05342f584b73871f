"""Two-way messages and the status the reporter sees."""

from __future__ import annotations

import pytest

from remedia.core.models import AuditEntry
from remedia.intake.models import Message, Report
from tests.intake.support import (
    INVALID_DATA,
    ME_MESSAGES_URL,
    ME_URL,
    REPORTS_URL,
    receipt_auth,
    submit_ok,
)

CLOSED = "Esta denuncia está cerrada. Si pasó algo nuevo, haga una denuncia nueva."


@pytest.fixture
def reported(client, orgs):
    """A report from Aguascalientes and its receipt."""
    receipt = submit_ok(client)
    return Report.objects.get(), receipt


def _post(client, url, payload, headers):
    return client.post(url, payload, content_type="application/json", headers=headers)


def _reporter_view(client, receipt):
    response = client.get(ME_URL, headers=receipt_auth(receipt))
    assert response.status_code == 200
    return response.json()


# --- The reporter writes ------------------------------------------------------------------


def test_reporter_adds_a_message(client, reported):
    report, receipt = reported

    response = _post(
        client,
        ME_MESSAGES_URL,
        {"body": "  Hoy volvió a pasar.  "},
        receipt_auth(receipt),
    )

    assert response.status_code == 201
    assert response.json()["author"] == "reporter"
    assert response.json()["body"] == "Hoy volvió a pasar."
    assert Message.objects.filter(report=report).count() == 1
    assert [m["body"] for m in _reporter_view(client, receipt)["messages"]] == [
        "Hoy volvió a pasar."
    ]
    # The message is audited without its text
    entry = AuditEntry.objects.filter(action="report.message_added").get()
    assert entry.object_id == str(report.pk)
    assert "volvió" not in str(entry.data)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("", "Escriba un mensaje o adjunte un archivo.", id="empty"),
        pytest.param("  \n\t ", "Escriba un mensaje o adjunte un archivo.", id="blank"),
        pytest.param(
            "a" * 10_001,
            "El mensaje es demasiado largo (máximo 10000 caracteres).",
            id="too-long",
        ),
    ],
)
def test_bad_message_is_422_and_not_stored(client, reported, body, reason):
    _report, receipt = reported
    audit_before = AuditEntry.objects.count()

    response = _post(client, ME_MESSAGES_URL, {"body": body}, receipt_auth(receipt))

    assert response.status_code == 422
    assert response.json() == {
        "detail": INVALID_DATA,
        "errors": [{"field": "body", "reason": reason}],
    }
    assert Message.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_message_of_exactly_the_limit_is_accepted(client, reported):
    _report, receipt = reported

    response = _post(
        client, ME_MESSAGES_URL, {"body": "a" * 10_000}, receipt_auth(receipt)
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    "payload",
    [pytest.param({}, id="missing"), pytest.param({"body": ["hola"]}, id="not-text")],
)
def test_message_of_the_wrong_shape_is_422(client, reported, payload):
    _report, receipt = reported

    response = _post(client, ME_MESSAGES_URL, payload, receipt_auth(receipt))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert Message.objects.count() == 0


# --- The staff replies and moves the status -------------------------------------------------


def test_staff_reply_reaches_the_reporter_in_order(client, agu_handler, reported):
    report, receipt = reported
    url = f"{REPORTS_URL}/{report.pk}/messages"

    # When the reporter and the handler write in turn
    _post(client, ME_MESSAGES_URL, {"body": "Primero yo."}, receipt_auth(receipt))
    reply = _post(client, url, {"body": "Recibimos su denuncia."}, agu_handler.headers)
    _post(client, ME_MESSAGES_URL, {"body": "Gracias."}, receipt_auth(receipt))

    # Then the reply was accepted as the staff's
    assert reply.status_code == 201
    assert reply.json()["author"] == "staff"
    # And the reporter sees all three in order, and the report acknowledged
    view = _reporter_view(client, receipt)
    assert [(m["author"], m["body"]) for m in view["messages"]] == [
        ("reporter", "Primero yo."),
        ("staff", "Recibimos su denuncia."),
        ("reporter", "Gracias."),
    ]
    assert view["status"] == "acknowledged"
    # And the staff's own view shows the same thread
    detail = client.get(f"{REPORTS_URL}/{report.pk}", headers=agu_handler.headers)
    assert [m["body"] for m in detail.json()["messages"]] == [
        "Primero yo.",
        "Recibimos su denuncia.",
        "Gracias.",
    ]


def test_empty_staff_reply_is_422(client, reported, agu_handler):
    report, _receipt = reported

    response = _post(
        client,
        f"{REPORTS_URL}/{report.pk}/messages",
        {"body": " "},
        agu_handler.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert Message.objects.count() == 0


def test_handler_of_another_organisation_cannot_reply(client, reported, pue_handler):
    report, _receipt = reported

    response = _post(
        client,
        f"{REPORTS_URL}/{report.pk}/messages",
        {"body": "Hola"},
        pue_handler.headers,
    )

    assert response.status_code == 404
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("acknowledged", "Acusada de recibo"),
        ("in_review", "En revisión"),
        ("closed", "Cerrada"),
    ],
)
def test_status_set_by_staff_is_what_the_reporter_sees(
    client, reported, agu_handler, status, label
):
    report, receipt = reported

    response = _post(
        client,
        f"{REPORTS_URL}/{report.pk}/status",
        {"status": status},
        agu_handler.headers,
    )

    assert response.status_code == 200
    assert response.json()["status"] == status
    view = _reporter_view(client, receipt)
    assert (view["status"], view["status_label"]) == (status, label)
    entry = AuditEntry.objects.get(action="report.status_changed")
    assert entry.data == {"from": "received", "to": status}
    assert entry.actor_id == str(agu_handler.user.pk)


def test_status_cannot_go_back_to_received(client, reported, agu_handler):
    report, receipt = reported
    url = f"{REPORTS_URL}/{report.pk}/status"
    _post(client, url, {"status": "in_review"}, agu_handler.headers)

    response = _post(client, url, {"status": "received"}, agu_handler.headers)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "status", "reason": "Una denuncia no puede volver a «recibida»."}
    ]
    assert _reporter_view(client, receipt)["status"] == "in_review"


def test_unknown_status_is_422(client, reported, agu_handler):
    report, receipt = reported

    response = _post(
        client,
        f"{REPORTS_URL}/{report.pk}/status",
        {"status": "solved"},
        agu_handler.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "status", "reason": "Estado desconocido."}
    ]
    assert _reporter_view(client, receipt)["status"] == "received"


def test_handler_of_another_organisation_cannot_change_the_status(
    client, reported, pue_handler
):
    report, receipt = reported

    response = _post(
        client,
        f"{REPORTS_URL}/{report.pk}/status",
        {"status": "closed"},
        pue_handler.headers,
    )

    assert response.status_code == 404
    assert _reporter_view(client, receipt)["status"] == "received"


def test_closed_report_refuses_new_reporter_messages(client, reported, agu_handler):
    # Given a report the handler closed
    report, receipt = reported
    _post(
        client,
        f"{REPORTS_URL}/{report.pk}/status",
        {"status": "closed"},
        agu_handler.headers,
    )

    # When the reporter writes again
    response = _post(
        client, ME_MESSAGES_URL, {"body": "¿Sigue abierta?"}, receipt_auth(receipt)
    )

    # Then it is refused with a message telling them to make a new report
    assert response.status_code == 400
    assert response.json() == {"detail": CLOSED}
    assert Message.objects.count() == 0
    # And they can still read it
    assert _reporter_view(client, receipt)["status"] == "closed"
