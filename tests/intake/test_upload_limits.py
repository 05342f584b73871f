"""Bounds on what an anonymous request may make the server read and hold.

A report needs at most five files of 10 MB: a request that carries more files,
or a body larger than that, is refused with a clear answer in the worker's
language before its body is read, never with a 500.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT

from remedia.core.files import MAX_BYTES, MAX_FILES
from remedia.intake.models import Report
from tests.intake.support import ME_ATTACHMENTS_URL, receipt_auth, submit_ok

TOO_MANY = "Puede adjuntar hasta 5 archivos."
TOO_HEAVY_REQUEST = (
    "Lo que envió pesa demasiado: hasta 5 archivos de 10 MB cada uno. "
    "Vuelva atrás y elija menos archivos o más ligeros."
)


def _form(**overrides):
    return {
        "categories": ["intimidation"],
        "state": "MX-AGU",
        "facility_q": "",
        "facility_name": "La maquila de la carretera",
        "occurred_on": "",
        "narrative": "Nos amenazaron con cerrar la planta si votamos por el sindicato.",
        "action": "submit",
        **overrides,
    }


def _tiny(n: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"foto{n}.jpg", b"\xff\xd8\xff" + b"x" * 100)


def test_settings_bound_the_files_of_one_request(settings):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 2 * MAX_FILES
    assert settings.REMEDIA_REQUEST_MAX_BYTES == MAX_FILES * MAX_BYTES + 1024 * 1024


def test_many_files_are_refused_with_a_clear_400_before_they_are_read(
    client, orgs, data_dir
):
    # Given a report form carrying far more files than a report may hold
    files = [_tiny(n) for n in range(40)]

    # When it is posted
    response = client.post("/denunciar/", _form(attachments=files))

    # Then the answer says why in Spanish, and nothing is stored
    assert response.status_code == 400
    assert TOO_MANY in response.content.decode()
    assert Report.objects.count() == 0


def test_many_files_are_refused_in_english_too(client, orgs):
    response = client.post(
        "/denunciar/",
        _form(attachments=[_tiny(n) for n in range(40)]),
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 400
    assert "You can add up to 5 files." in response.content.decode()


def test_many_files_to_the_api_get_a_json_answer(client, orgs):
    receipt = submit_ok(client)

    response = client.post(
        ME_ATTACHMENTS_URL,
        {"files": [_tiny(n) for n in range(40)]},
        headers=receipt_auth(receipt),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "attachments", "reason": TOO_MANY}]


@pytest.mark.parametrize(
    "path", ["/denunciar/", ME_ATTACHMENTS_URL, "/hooks/twilio/sms"]
)
def test_a_body_larger_than_a_report_may_be_is_refused_unread(client, orgs, path):
    # Given a request that announces 60 MB and carries only a few bytes: reading
    # its body would fail the test client (it never holds what was announced)
    response = client.generic(
        "POST",
        path,
        b"--x--\r\n",
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )

    # Then it is refused from the header alone, with a clear 413
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.json()["detail"] == TOO_HEAVY_REQUEST
    else:
        assert TOO_HEAVY_REQUEST in response.content.decode()
