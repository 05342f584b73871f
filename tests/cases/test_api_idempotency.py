"""`Idempotency-Key` on the API's POSTs, through real endpoints.

A retried POST with the same key answers the first answer and changes nothing;
the same key with another request is refused (422, field and reason) and stores
nothing; a request while the first with the key runs is 409; no key works as
before; keys are per credential. The table holds keyed hashes and sealed
answers only: no receipt, narrative or note in it, read with raw SQL.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from remedia.cases import services as cases
from remedia.cases.models import Case, CaseNote
from remedia.core import idempotency
from remedia.core.models import IdempotentRequest
from remedia.intake.models import Message, Report
from tests.intake.support import NARRATIVE, found_in, receipt_auth
from tests.support.actors import staff_member

CASES = "/api/v1/cases"
REPORTS = "/api/v1/intake/reports"
KEY = "Idempotency-Key"


@pytest.fixture
def case(report_in, agu_handler) -> Case:
    submitted = report_in()
    return cases.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)


def _post(
    client: Any, url: str, body: Any, *, headers: dict[str, str], key: str | None
) -> Any:
    sent = dict(headers)
    if key is not None:
        sent[KEY] = key
    return client.post(url, body, content_type="application/json", headers=sent)


def _note(client: Any, case: Case, staff: Any, body: str, key: str | None) -> Any:
    return _post(
        client,
        f"{CASES}/{case.pk}/notes",
        {"body": body},
        headers=staff.headers,
        key=key,
    )


def _table_bytes() -> bytes:
    """Every column of every idempotency row, as the database holds it."""
    table = IdempotentRequest._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table name)
        rows = cursor.fetchall()
    out = b""
    for row in rows:
        for value in row:
            if isinstance(value, memoryview | bytes | bytearray):
                out += bytes(value) + b"\x00"
            else:
                out += str(value).encode() + b"\x00"
    return out


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in response.json()["errors"]]


# --- A retried write --------------------------------------------------------------


def test_a_retried_note_creates_one_note_and_answers_the_first_answer(
    client, agu_handler, case
):
    key = str(uuid.uuid4())

    first = _note(client, case, agu_handler, "Llamar a la inspectora.", key)
    again = _note(client, case, agu_handler, "Llamar a la inspectora.", key)

    assert first.status_code == 201
    assert idempotency.REPLAYED_HEADER not in first
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert CaseNote.objects.filter(case=case).count() == 1
    # Kept one row, sealed: neither the note nor the key in it.
    assert IdempotentRequest.objects.count() == 1
    stored = _table_bytes()
    assert b"inspectora" not in stored
    assert key.encode() not in stored
    assert agu_handler.token.encode() not in stored


def test_the_same_key_with_another_body_is_refused_and_stores_nothing(
    client, agu_handler, case
):
    key = str(uuid.uuid4())
    _note(client, case, agu_handler, "Primera nota.", key)
    rows_before = list(IdempotentRequest.objects.values_list("pk", "request_hash"))

    other = _note(client, case, agu_handler, "Otra nota.", key)

    assert other.status_code == 422
    assert _errors(other) == [
        (
            KEY,
            "Esta clave de idempotencia ya se usó con otra petición (otro método, "
            "ruta o cuerpo). Use una clave nueva.",
        )
    ]
    assert [n.pk for n in CaseNote.objects.filter(case=case)] == [
        CaseNote.objects.get(case=case).pk
    ]
    assert (
        list(IdempotentRequest.objects.values_list("pk", "request_hash")) == rows_before
    )


def test_the_refusal_is_in_english_for_an_english_caller(client, agu_handler, case):
    key = str(uuid.uuid4())
    _note(client, case, agu_handler, "Primera nota.", key)

    other = _post(
        client,
        f"{CASES}/{case.pk}/notes",
        {"body": "Otra nota."},
        headers={**agu_handler.headers, "Accept-Language": "en"},
        key=key,
    )

    assert other.status_code == 422
    assert _errors(other) == [
        (
            KEY,
            "This idempotency key was already used with another request (another "
            "method, path or body). Use a new key.",
        )
    ]


def test_the_same_key_on_another_path_is_refused(client, agu_handler, case, report_in):
    key = str(uuid.uuid4())
    other_case = cases.case_open(
        report_ids=[report_in().report.pk], user=agu_handler.user
    )
    _note(client, case, agu_handler, "Una nota.", key)

    elsewhere = _note(client, other_case, agu_handler, "Una nota.", key)

    assert elsewhere.status_code == 422
    assert not CaseNote.objects.filter(case=other_case).exists()


def test_without_a_key_every_post_runs(client, agu_handler, case):
    for _n in range(2):
        assert _note(client, case, agu_handler, "Sin clave.", None).status_code == 201

    assert CaseNote.objects.filter(case=case).count() == 2
    assert not IdempotentRequest.objects.exists()


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("k" * 256, "Es demasiado larga (máximo 255 caracteres)."),
        (
            "dos palabras",
            "Debe tener de 1 a 255 caracteres ASCII visibles, sin espacios "
            "(use un UUID v4).",
        ),
        (
            "",
            "Debe tener de 1 a 255 caracteres ASCII visibles, sin espacios "
            "(use un UUID v4).",
        ),
    ],
)
def test_a_key_too_long_or_not_valid_is_422_and_runs_nothing(
    client, agu_handler, case, key, reason
):
    response = _note(client, case, agu_handler, "Una nota.", key)

    assert response.status_code == 422
    assert response.json()["detail"] == "Hay datos que no son válidos."
    assert _errors(response) == [(KEY, reason)]
    assert not CaseNote.objects.filter(case=case).exists()
    assert not IdempotentRequest.objects.exists()


def test_keys_belong_to_the_credential_not_to_the_user(client, orgs, agu_handler, case):
    # A second token of the same person is another caller: its key is its own.
    from remedia.accounts import services as accounts

    _token, second_token = accounts.token_issue(user=agu_handler.user, name="otra")
    key = str(uuid.uuid4())

    first = _note(client, case, agu_handler, "Misma nota.", key)
    second = _post(
        client,
        f"{CASES}/{case.pk}/notes",
        {"body": "Misma nota."},
        headers={"Authorization": f"Bearer {second_token}"},
        key=key,
    )

    assert first.status_code == second.status_code == 201
    assert idempotency.REPLAYED_HEADER not in second
    assert CaseNote.objects.filter(case=case).count() == 2
    assert IdempotentRequest.objects.count() == 2


def test_a_failed_request_frees_its_key(client, agu_handler, case):
    key = str(uuid.uuid4())

    refused = _note(client, case, agu_handler, "", key)
    fixed = _note(client, case, agu_handler, "Ahora sí.", key)

    assert refused.status_code == 422
    assert fixed.status_code == 201
    assert idempotency.REPLAYED_HEADER not in fixed
    assert CaseNote.objects.filter(case=case).count() == 1


def test_an_unknown_case_with_a_key_is_404_and_keeps_nothing(client, agu_handler):
    response = _post(
        client,
        f"{CASES}/{uuid.uuid4()}/notes",
        {"body": "Nada."},
        headers=agu_handler.headers,
        key=str(uuid.uuid4()),
    )

    assert response.status_code == 404
    assert not IdempotentRequest.objects.exists()


def test_a_second_request_while_the_first_runs_is_409(
    client, agu_handler, case, monkeypatch
):
    # The second request arrives while the first is inside its view: sent from
    # there, on the same database, so the moment is exact on any database.
    key = str(uuid.uuid4())
    add = cases.case_note_add
    during: list[Any] = []

    def add_while_retried(**kwargs: Any) -> Any:
        if not during:
            during.append(_note(client, case, agu_handler, "En curso.", key))
        return add(**kwargs)

    monkeypatch.setattr(cases, "case_note_add", add_while_retried)

    first = _note(client, case, agu_handler, "En curso.", key)

    assert first.status_code == 201
    [second] = during
    assert second.status_code == 409
    assert second["Retry-After"] == "1"
    assert _errors(second) == [
        (
            KEY,
            "Una petición con esta clave de idempotencia está en curso. "
            "Vuelva a intentar en un momento.",
        )
    ]
    assert CaseNote.objects.filter(case=case).count() == 1
    # Once the first has answered, a retry gets its answer.
    replay = _note(client, case, agu_handler, "En curso.", key)
    assert replay.json() == first.json()


def test_a_claim_left_by_a_request_that_died_is_409_without_retry_after(
    client, agu_handler, case
):
    # A process killed inside the view leaves its claim without an answer.
    # Made here from a real claim: its answer taken away, two minutes old.
    key = str(uuid.uuid4())
    _note(client, case, agu_handler, "Se cayó.", key)
    IdempotentRequest.objects.update(
        status_code=None,
        sealed_body=None,
        created_at=timezone.now()
        - timedelta(seconds=idempotency.IN_FLIGHT_SECONDS + 1),
    )

    retried = _note(client, case, agu_handler, "Se cayó.", key)

    # Whether it took effect is unknown: never run twice, and say so.
    assert retried.status_code == 409
    assert "Retry-After" not in retried
    assert "no se sabe si tuvo efecto" in retried.json()["detail"]
    assert CaseNote.objects.filter(case=case).count() == 1


def test_an_expired_key_is_forgotten_and_swept(client, agu_handler, case):
    key = str(uuid.uuid4())
    _note(client, case, agu_handler, "Ayer.", key)
    IdempotentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = _note(client, case, agu_handler, "Ayer.", key)

    assert again.status_code == 201
    assert idempotency.REPLAYED_HEADER not in again
    assert CaseNote.objects.filter(case=case).count() == 2
    # The hourly sweep deletes what is past its 24 hours, and only that.
    IdempotentRequest.objects.create(
        caller_hash="a" * 64,
        key_hash="b" * 64,
        request_hash="c" * 64,
        created_at=timezone.now() - timedelta(hours=25),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    assert idempotency.expired_sweep() == 1
    assert IdempotentRequest.objects.count() == 1
    kept = IdempotentRequest.objects.get()
    assert kept.expires_at - kept.created_at == timedelta(hours=24)


def test_a_retried_upload_is_one_document_whatever_the_boundary(
    client, agu_handler, case
):
    # Each multipart request gets its own boundary: the fields and the files
    # are compared, not the raw bytes.
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    from remedia.cases.models import CaseDocument
    from tests.intake.support import png_with_text

    image = png_with_text("Juana Pérez")
    key = str(uuid.uuid4())

    def upload(data: bytes, boundary: str) -> Any:
        file = SimpleUploadedFile("foto.png", data, content_type="image/png")
        return client.post(
            f"{CASES}/{case.pk}/documents",
            encode_multipart(boundary, {"file": file}),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**agu_handler.headers, KEY: key},
        )

    first = upload(image, "primero")
    again = upload(image, "otro-limite-de-partes")
    other = upload(png_with_text("Otra persona"), "primero")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert other.status_code == 422
    assert CaseDocument.objects.filter(case=case).count() == 1
    assert b"foto.png" not in _table_bytes()


# --- Answers that hold secrets ---------------------------------------------------------

REPORT = {
    "language": "es",
    "categories": ["intimidation"],
    "narrative": NARRATIVE,
    "facility_name": "La maquila de la carretera",
    "state": "MX-AGU",
}


def test_a_retried_anonymous_report_is_one_report_and_the_same_receipt(client, orgs):
    key = str(uuid.uuid4())

    first = _post(client, REPORTS, REPORT, headers={}, key=key)
    again = _post(client, REPORTS, REPORT, headers={}, key=key)

    assert first.status_code == again.status_code == 201
    receipt = first.json()["receipt"]
    assert again.json() == {"receipt": receipt}
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert Report.objects.count() == 1
    # Neither the receipt nor the narrative is in the table, in any encoding.
    stored = _table_bytes()
    assert found_in(stored, [receipt.encode(), NARRATIVE.encode()[:40]]) == []
    assert key.encode() not in stored
    # The receipt works: it is the report's.
    assert (
        client.get("/api/v1/intake/me", headers=receipt_auth(receipt)).status_code
        == 200
    )


def test_an_anonymous_key_with_another_report_is_refused(client, orgs):
    key = str(uuid.uuid4())
    _post(client, REPORTS, REPORT, headers={}, key=key)

    other = _post(
        client,
        REPORTS,
        {**REPORT, "narrative": NARRATIVE + " Otra."},
        headers={},
        key=key,
    )

    assert other.status_code == 422
    assert [f for f, _r in _errors(other)] == [KEY]
    assert Report.objects.count() == 1


def test_a_retried_reporter_message_is_one_message_and_not_stored_in_plain(
    client, orgs
):
    receipt = _post(client, REPORTS, REPORT, headers={}, key=None).json()["receipt"]
    key = str(uuid.uuid4())
    body = {"body": "Me cambiaron de turno después de denunciar."}

    first = _post(
        client,
        "/api/v1/intake/me/messages",
        body,
        headers=receipt_auth(receipt),
        key=key,
    )
    again = _post(
        client,
        "/api/v1/intake/me/messages",
        body,
        headers=receipt_auth(receipt),
        key=key,
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again[idempotency.REPLAYED_HEADER] == "true"
    assert Message.objects.filter(author_kind="reporter").count() == 1
    stored = _table_bytes()
    assert found_in(stored, [receipt.encode(), b"cambiaron de turno"]) == []


def test_a_stored_answer_opens_only_for_its_caller(client, orgs, agu_handler, case):
    # The sealed answer does not open with another credential's secret, even
    # with every hash in the row known: a stolen row replays nothing.
    key = str(uuid.uuid4())
    _note(client, case, agu_handler, "Secreto.", key)
    row = IdempotentRequest.objects.get()
    other = staff_member(orgs.agu, "carmen")
    from remedia.core import crypto

    wrong = idempotency._mac(
        "seal",
        b"token\x00" + other.token.encode(),
        key.encode(),
        b"",
    )
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(bytes(row.sealed_body), key=wrong)


# --- Two requests at once, on PostgreSQL ------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_flushable_audit_log")
def test_two_requests_at_once_with_one_key_make_one_note(
    agu_handler, report_in, monkeypatch
):
    # Two clients, two threads, two connections: the first holds the key while
    # its view runs (slowed down), the second arrives then and is refused.
    import threading
    import time

    from django.db import connections
    from django.test import Client

    case = cases.case_open(report_ids=[report_in().report.pk], user=agu_handler.user)
    add = cases.case_note_add
    inside = threading.Event()

    def slow_add(**kwargs: Any) -> Any:
        inside.set()
        time.sleep(0.5)
        return add(**kwargs)

    monkeypatch.setattr(cases, "case_note_add", slow_add)
    key = str(uuid.uuid4())
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            if name == "second":
                assert inside.wait(timeout=10)
            answers[name] = _note(Client(), case, agu_handler, "A la vez.", key)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert answers["first"].status_code == 201
    assert answers["second"].status_code == 409
    assert answers["second"]["Retry-After"] == "1"
    assert CaseNote.objects.filter(case=case).count() == 1
    replay = _note(Client(), case, agu_handler, "A la vez.", key)
    assert replay.json() == answers["first"].json()
    assert replay[idempotency.REPLAYED_HEADER] == "true"
