"""Anonymous submission over the API: a receipt for a good report, 422 and nothing
stored for a bad one, and the report committed before the answer."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from remedia.core.models import AuditEntry
from remedia.intake.models import (
    Attachment,
    Channel,
    Message,
    Report,
    ReportKeyGrant,
    ReportRecipient,
    ReportStatus,
)
from tests.intake.support import (
    INVALID_DATA,
    NARRATIVE,
    SUBMIT_URL,
    report_payload,
    submit,
)
from tests.support.factories.facilities import FacilityFactory


def _stored(data_dir: Path) -> dict[str, int]:
    """Everything a submission could leave behind, counted."""
    attachments = data_dir / "attachments"
    return {
        "reports": Report.objects.count(),
        "recipients": ReportRecipient.objects.count(),
        "grants": ReportKeyGrant.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "audit": AuditEntry.objects.count(),
        "files": len(list(attachments.iterdir())) if attachments.exists() else 0,
    }


# --- Accepted ---------------------------------------------------------------------------


def test_valid_report_gets_a_16_digit_receipt(client, orgs, data_dir):
    # Given the routing of the intake world and no report yet
    facility = FacilityFactory(name="Industrias del Interior", state="MX-AGU")

    # When a worker submits a report without any credential
    response = submit(
        client,
        categories=["intimidation", "threats"],
        facility_id=str(facility.pk),
        occurred_on=str(timezone.localdate() - timedelta(days=3)),
    )

    # Then they get a receipt of 16 digits, and nothing else
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"receipt"}
    assert re.fullmatch(r"\d{16}", body["receipt"])
    # And one report holds the metadata the staff needs for triage
    report = Report.objects.get()
    assert report.channel == Channel.API
    assert report.status == ReportStatus.RECEIVED
    assert report.state == "MX-AGU"
    assert report.facility == facility
    assert report.occurred_on == timezone.localdate() - timedelta(days=3)
    assert sorted(report.category_rows.values_list("code", flat=True)) == [
        "intimidation",
        "threats",
    ]
    # And the narrative is not among its columns in plain text
    assert NARRATIVE.encode() not in bytes(report.content)


def test_each_report_gets_a_different_receipt(client, orgs):
    receipts = {submit(client).json()["receipt"] for _i in range(3)}

    assert len(receipts) == 3


def test_repeated_categories_are_kept_once(client, orgs):
    response = submit(client, categories=["wages", "wages", "hours"])

    assert response.status_code == 201
    report = Report.objects.get()
    assert sorted(report.category_rows.values_list("code", flat=True)) == [
        "hours",
        "wages",
    ]


# --- Refused: 422, the field, the reason in Spanish, nothing stored ------------------


def _without(key: str) -> dict:
    payload = report_payload()
    del payload[key]
    return payload


FUTURE = str(timezone.localdate() + timedelta(days=2))

INVALID = {
    "categories missing": (
        _without("categories"),
        "categories",
        "Este campo es obligatorio.",
    ),
    "categories empty": (
        report_payload(categories=[]),
        "categories",
        "Elija al menos un tipo de problema.",
    ),
    "category unknown": (
        report_payload(categories=["intimidation", "bribery"]),
        "categories",
        "Tipo de problema desconocido: bribery.",
    ),
    "categories not a list": (
        report_payload(categories="intimidation"),
        "categories",
        "Debe ser una lista.",
    ),
    "category not text": (
        report_payload(categories=[7]),
        "categories.0",
        "Debe ser texto.",
    ),
    "narrative missing": (
        _without("narrative"),
        "narrative",
        "Este campo es obligatorio.",
    ),
    "narrative too short": (
        report_payload(narrative="  me  "),
        "narrative",
        "Cuéntenos qué pasó, con al menos unas palabras (10 letras).",
    ),
    "narrative too long": (
        report_payload(narrative="a" * 20_001),
        "narrative",
        "El relato es demasiado largo (máximo 20000 caracteres).",
    ),
    "narrative not text": (
        report_payload(narrative=12345678901),
        "narrative",
        "Debe ser texto.",
    ),
    "state missing": (
        report_payload(state=None),
        "state",
        "Elija el estado donde pasó.",
    ),
    "state unknown": (
        report_payload(state="MX-XYZ"),
        "state",
        "Ese estado no existe en México.",
    ),
    "facility_id not a uuid": (
        report_payload(facility_id="fabrica-3"),
        "facility_id",
        "Debe ser un identificador válido.",
    ),
    "facility_id unknown": (
        report_payload(facility_id=str(uuid.uuid4())),
        "facility_id",
        "Ese centro de trabajo no está en el padrón.",
    ),
    "facility_name too long": (
        report_payload(facility_name="x" * 301),
        "facility_name",
        "El nombre del centro es demasiado largo.",
    ),
    "occurred_on in the future": (
        report_payload(occurred_on=FUTURE),
        "occurred_on",
        "La fecha no puede ser futura.",
    ),
    "occurred_on not a date": (
        report_payload(occurred_on="2024-02-30"),
        "occurred_on",
        "Debe ser una fecha AAAA-MM-DD.",
    ),
}


@pytest.mark.parametrize(("payload", "field", "reason"), INVALID.values(), ids=INVALID)
def test_invalid_field_is_422_naming_it_and_nothing_is_stored(
    client, orgs, data_dir, payload, field, reason
):
    # Given what is stored before
    before = _stored(data_dir)

    # When a report with one bad field is submitted
    response = client.post(SUBMIT_URL, payload, content_type="application/json")

    # Then it is refused, naming the field with the reason in Spanish
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == INVALID_DATA
    assert {"field": field, "reason": reason} in body["errors"]
    # And nothing at all was stored: no row, no audit entry, no file
    assert _stored(data_dir) == before


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"categories": ["intimidation"], "narrative": ', id="cut-off"),
        pytest.param(b"categories=intimidation&narrative=algo", id="form-encoded"),
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
    ],
)
def test_body_that_is_not_json_is_422_and_nothing_is_stored(
    client, orgs, data_dir, raw
):
    before = _stored(data_dir)

    response = client.post(SUBMIT_URL, raw, content_type="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "detail": INVALID_DATA,
        "errors": [{"field": "body", "reason": "El cuerpo no es JSON válido."}],
    }
    assert _stored(data_dir) == before


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([report_payload()], id="list"),
        pytest.param("intimidation", id="string"),
        pytest.param(42, id="number"),
        pytest.param(None, id="null"),
    ],
)
def test_json_that_is_not_an_object_is_422_and_nothing_is_stored(
    client, orgs, data_dir, payload
):
    before = _stored(data_dir)

    response = client.post(SUBMIT_URL, payload, content_type="application/json")

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == INVALID_DATA
    assert body["errors"], "the answer names what is wrong"
    assert all(e["field"] and e["reason"] for e in body["errors"])
    assert _stored(data_dir) == before


def test_every_problem_is_listed_at_once(client, orgs, data_dir):
    before = _stored(data_dir)

    response = submit(
        client,
        categories=["bribery"],
        narrative="no",
        state="MX-XYZ",
        occurred_on=FUTURE,
    )

    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert sorted(fields) == ["categories", "narrative", "occurred_on", "state"]
    assert _stored(data_dir) == before


def test_flood_beyond_the_ceiling_is_429_without_storing(
    client, orgs, data_dir, settings, monkeypatch
):
    # Given a site-wide ceiling of two submissions a minute, both used, all in
    # one minute (the clock held in its middle, so no minute ends mid-test)
    held = timezone.now().replace(second=30)
    monkeypatch.setattr(timezone, "now", lambda: held)
    settings.REMEDIA_INTAKE_MAX_PER_MINUTE = 2
    assert submit(client).status_code == 201
    assert submit(client).status_code == 201
    before = _stored(data_dir)

    # When a third arrives in the same minute
    response = submit(client)

    # Then it is refused with a reason that says the text is not lost, and a wait
    assert response.status_code == 429
    assert "intente enviarlo de nuevo en un minuto" in response.json()["detail"]
    assert response["Retry-After"] == "60"
    assert _stored(data_dir) == before


# --- Durable before the answer ----------------------------------------------------------


@pytest.mark.usefixtures("_flushable_audit_log")
def test_report_is_committed_before_the_201(client, transactional_db):
    # Given a world that commits for real (no test transaction around it)
    from tests.support.actors import organisation_with_escrow
    from tests.support.intake import intake_configuration

    operator = organisation_with_escrow("Operación", "OPS")
    config = intake_configuration()
    config.default_organisation = operator
    config.save()

    # When a report is accepted
    response = submit(client)
    assert response.status_code == 201

    # Then another connection (another app process, say) already sees it
    seen: list[int] = []

    def look() -> None:
        try:
            seen.append(Report.objects.count())
        finally:
            connections.close_all()

    reader = threading.Thread(target=look)
    reader.start()
    reader.join()
    assert seen == [1]
