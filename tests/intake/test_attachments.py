"""Attachments through the intake: cleaned (tests/core/test_files.py), stored
encrypted, and given back clean to the entitled handler only."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from remedia.core import files
from remedia.core.models import AuditEntry
from remedia.intake.models import Attachment, Message, Report
from tests.intake.support import (
    ME_ATTACHMENTS_URL,
    REPORTS_URL,
    jpeg_with_gps,
    pdf_with_author,
    png_with_text,
    receipt_auth,
    submit_ok,
    wav_with_info,
)
from tests.support.actors import staff_member

KINDS = "fotos (JPEG, PNG, WebP), PDF o audio (MP3, OGG, M4A, WAV)"
NOT_ACCEPTED = f"Ese tipo de archivo no se acepta. Se aceptan {KINDS}."
TOO_HEAVY = "El archivo pesa más de 10 MB. Envíe uno más ligero."
MAKER = "CamaraDelTelefonoDeJuana"
AUTHOR = "Juana Pérez López"


# --- Through the API: a reporter adds files, the handler downloads them ------------------------


@pytest.fixture
def reported(client, agu_handler):
    """A report whose reader (the Aguascalientes handler) was there when it came."""
    receipt = submit_ok(client)
    return Report.objects.get(), receipt


def _upload(client, receipt, *files, body=""):
    return client.post(
        ME_ATTACHMENTS_URL,
        {"files": list(files), "body": body},
        headers=receipt_auth(receipt),
    )


def _photo(name="foto.jpg"):
    return SimpleUploadedFile(name, jpeg_with_gps(MAKER), content_type="image/jpeg")


def _stored_files(data_dir):
    folder = data_dir / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_reporter_adds_a_photo_stored_encrypted(client, reported, data_dir):
    report, receipt = reported
    original = jpeg_with_gps(MAKER)
    cleaned = files.clean(original).data

    # When the reporter sends a photo with a message
    response = _upload(client, receipt, _photo(), body="Foto de la entrada.")

    # Then it is accepted as a cleaned JPEG on a new message
    assert response.status_code == 201
    body = response.json()
    assert body["author"] == "reporter"
    assert body["body"] == "Foto de la entrada."
    (info,) = body["attachments"]
    assert info["name"] == "foto.jpg"
    assert info["content_type"] == "image/jpeg"
    assert info["size"] == len(cleaned)
    # And the one file on disk is ciphertext: neither picture is in it
    (blob,) = _stored_files(data_dir)
    stored = blob.read_bytes()
    assert not stored.startswith(b"\xff\xd8")
    assert cleaned[100:164] not in stored
    assert original[-200:-100] not in stored
    assert MAKER.encode() not in stored
    assert b"foto.jpg" not in stored
    # And the database keeps no plain name either
    attachment = Attachment.objects.get()
    assert b"foto.jpg" not in bytes(attachment.sealed_meta)
    assert attachment.report == report


def test_handler_downloads_the_cleaned_file(client, reported, agu_handler):
    report, receipt = reported
    cleaned = files.clean(jpeg_with_gps(MAKER)).data
    assert _upload(client, receipt, _photo()).status_code == 201
    attachment = Attachment.objects.get()
    url = f"{REPORTS_URL}/{report.pk}/attachments/{attachment.pk}"

    response = client.get(url, headers=agu_handler.headers)

    assert response.status_code == 200
    assert response.content == cleaned
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store"
    assert MAKER.encode() not in response.content
    entry = AuditEntry.objects.get(action="report.attachment_read")
    assert entry.object_id == str(report.pk)
    assert entry.actor_id == str(agu_handler.user.pk)
    # The staff's view of the report lists it under the reporter's message
    detail = client.get(f"{REPORTS_URL}/{report.pk}", headers=agu_handler.headers)
    (message,) = detail.json()["messages"]
    assert [a["id"] for a in message["attachments"]] == [str(attachment.pk)]


def test_nobody_else_downloads_the_file(client, orgs, reported, pue_handler):
    report, receipt = reported
    assert _upload(client, receipt, _photo()).status_code == 201
    attachment = Attachment.objects.get()
    locked = staff_member(orgs.agu, "marta", decrypting=False)
    url = f"{REPORTS_URL}/{report.pk}/attachments/{attachment.pk}"

    other_org = client.get(url, headers=pue_handler.headers)
    without_key = client.get(url, headers=locked.headers)
    missing = client.get(
        f"{REPORTS_URL}/{report.pk}/attachments/{report.pk}",
        headers=pue_handler.headers,
    )
    anonymous = client.get(url)

    assert (
        other_org.status_code == without_key.status_code == missing.status_code == 404
    )
    assert other_org.json() == without_key.json() == {"detail": "No encontrado."}
    assert anonymous.status_code == 401
    assert not AuditEntry.objects.filter(action="report.attachment_read").exists()


def test_file_of_a_refused_kind_is_422_and_nothing_is_stored(
    client, reported, data_dir
):
    _report, receipt = reported
    text = SimpleUploadedFile(
        "foto.jpg", b"no soy una foto, soy texto", content_type="image/jpeg"
    )

    response = _upload(client, receipt, _photo("buena.jpg"), text, body="Dos fotos")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "attachments", "reason": f"foto.jpg: {NOT_ACCEPTED}"}
    ]
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files(data_dir) == []


def test_file_over_10_mb_is_422_and_nothing_is_stored(client, reported, data_dir):
    _report, receipt = reported
    heavy = SimpleUploadedFile(
        "video.jpg",
        b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024),
        content_type="image/jpeg",
    )

    response = _upload(client, receipt, _photo(), heavy, body="Un video")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "attachments", "reason": f"video.jpg: {TOO_HEAVY}"}
    ]
    assert Message.objects.count() == 0
    assert _stored_files(data_dir) == []


def test_more_than_five_files_are_refused(client, reported, data_dir):
    _report, receipt = reported

    response = _upload(client, receipt, *[_photo(f"foto{n}.jpg") for n in range(6)])

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "attachments", "reason": "Puede adjuntar hasta 5 archivos."}
    ]
    assert Message.objects.count() == 0
    assert _stored_files(data_dir) == []


def test_five_files_of_every_kind_are_accepted(client, reported, data_dir):
    _report, receipt = reported
    files = [
        _photo(),
        SimpleUploadedFile("plano.png", png_with_text(AUTHOR)),
        SimpleUploadedFile("carta.pdf", pdf_with_author(AUTHOR)),
        SimpleUploadedFile("audio.wav", wav_with_info(AUTHOR)),
        _photo("otra.jpg"),
    ]

    response = _upload(client, receipt, *files)

    assert response.status_code == 201
    kinds = [a["content_type"] for a in response.json()["attachments"]]
    assert sorted(kinds) == [
        "application/pdf",
        "audio/wav",
        "image/jpeg",
        "image/jpeg",
        "image/png",
    ]
    assert len(_stored_files(data_dir)) == 5
    for blob in _stored_files(data_dir):
        assert AUTHOR.encode() not in blob.read_bytes()


# --- Through the web form ----------------------------------------------------------------------


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


def test_web_report_with_a_photo_reaches_the_handler_clean(
    client, agu_handler, data_dir
):
    # When a worker sends the form with a photo
    response = client.post("/denunciar/", _form(attachments=[_photo()]))

    # Then the report is stored with the photo, encrypted
    assert response.status_code == 302
    report = Report.objects.get()
    attachment = Attachment.objects.get()
    assert attachment.message is None
    assert len(_stored_files(data_dir)) == 1
    # And the handler gets it without EXIF or GPS
    detail = client.get(
        f"{REPORTS_URL}/{report.pk}", headers=agu_handler.headers
    ).json()
    assert [a["name"] for a in detail["attachments"]] == ["foto.jpg"]
    download = client.get(
        f"{REPORTS_URL}/{report.pk}/attachments/{attachment.pk}",
        headers=agu_handler.headers,
    )
    with Image.open(io.BytesIO(download.content)) as photo:
        assert dict(photo.getexif()) == {}
        assert photo.size == (32, 64)


def test_web_form_refuses_a_heavy_file_and_keeps_the_text(client, orgs, data_dir):
    heavy = SimpleUploadedFile(
        "video.jpg", b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 1)
    )
    narrative = "Nos amenazaron con cerrar la planta si votamos por el sindicato."

    response = client.post("/denunciar/", _form(attachments=[_photo(), heavy]))

    assert response.status_code == 422
    page = response.content.decode()
    assert f"video.jpg: {TOO_HEAVY}" in page
    assert "Su texto se conservó." in page
    assert narrative in page
    assert Report.objects.count() == 0
    assert _stored_files(data_dir) == []


def test_web_form_refuses_a_program_and_names_what_is_accepted(client, orgs, data_dir):
    program = SimpleUploadedFile("foto.exe", b"MZ\x90\x00" + b"\0" * 100)

    response = client.post("/denunciar/", _form(attachments=[program]))

    assert response.status_code == 422
    assert f"foto.exe: {NOT_ACCEPTED}" in response.content.decode()
    assert Report.objects.count() == 0
    assert _stored_files(data_dir) == []
