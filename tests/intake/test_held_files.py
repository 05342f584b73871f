"""Files kept, sealed, across a report form that comes back (issue 22.4).

The shared cache holds only sealed bytes under a hash; the key is in the
worker's page alone. Expired, wrong, altered: the file is gone, never garbage.
"""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from remedia.core.files import CleanFile
from remedia.intake import held_files
from remedia.intake.models import Attachment, Report
from tests.intake.support import (
    NARRATIVE,
    database_dump,
    database_file_image,
    found_in,
    jpeg_with_gps,
    report_form,
)

SECRET_BYTES = b"FOTO-SECRETA-" + bytes(range(256)) * 40
SECRET_NAME = "foto-de-la-nave-3-marcador.jpg"
HELD_TOKEN = re.compile(r'name="held" value="([^"]+)"')


def _clean() -> CleanFile:
    return CleanFile(content_type="image/jpeg", data=SECRET_BYTES, extension="jpg")


def _flip(token: str, at: int) -> str:
    raw, dot, label = token.partition(".")
    both = bytearray(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    both[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(both)).decode().rstrip("=") + dot + label


# --- The sealed store --------------------------------------------------------------------


def test_a_kept_file_comes_back_whole_with_its_token(db):
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())

    back = held_files.held_file_recall(kept.token)

    assert back is not None
    assert back.name == SECRET_NAME
    assert back.clean == _clean()
    assert back.size == len(SECRET_BYTES)


def test_the_cache_holds_nothing_in_plain_nor_the_key(db):
    # Given a file kept in the embedded default cache (a database table)
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())
    raw, _, _ = kept.token.partition(".")
    id_and_key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))

    # Then neither the file, its name, its id nor its key is in what the
    # cache backend stored (its table, and the SQLite file's bytes)
    stored = database_dump(["remedia_cache"])
    assert stored  # the test means something only if the row is there
    secrets = [SECRET_BYTES[:64], SECRET_BYTES[-64:], SECRET_NAME.encode()]
    secrets += [id_and_key[:16], id_and_key[16:]]
    assert found_in(stored, secrets) == []
    assert found_in(database_file_image(), secrets) == []


def test_a_wrong_key_opens_nothing(db):
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())

    # Same entry (id), another key: the sealed box does not open.
    assert held_files.held_file_recall(_flip(kept.token, 20)) is None
    # Another id: nothing there.
    assert held_files.held_file_recall(_flip(kept.token, 3)) is None
    # Not a token at all.
    assert held_files.held_file_recall("") is None
    assert held_files.held_file_recall("%%%.%%%") is None
    assert held_files.held_file_recall("YWJj.") is None
    # And the right token still does.
    assert held_files.held_file_recall(kept.token) is not None


def test_altered_sealed_bytes_open_nothing(db):
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())
    [cache_key] = [
        k for k in [held_files._cache_key(_id(kept.token))] if cache.get(k) is not None
    ]
    sealed = bytearray(cache.get(cache_key))
    sealed[len(sealed) // 2] ^= 0x01
    cache.set(cache_key, bytes(sealed), timeout=60)

    assert held_files.held_file_recall(kept.token) is None


def _id(token: str) -> bytes:
    raw = token.partition(".")[0]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))[:16]


def test_a_kept_file_expires(db, monkeypatch, settings):
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())
    start = time.time()

    # The sealed expiry holds even if a cache kept the entry past its time
    monkeypatch.setattr(held_files, "_now", lambda: start + held_files.HELD_SECONDS + 1)
    assert held_files.held_file_recall(kept.token) is None
    monkeypatch.undo()

    # And the cache itself lets it go (a short time, really waited)
    settings.REMEDIA_HELD_FILES_SECONDS = 1
    short = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())
    assert held_files.held_file_recall(short.token) is not None
    time.sleep(1.2)
    assert cache.get(held_files._cache_key(_id(short.token))) is None
    assert held_files.held_file_recall(short.token) is None
    # The name the worker's page carries still says which file to choose again
    assert held_files.held_file_name(short.token) == SECRET_NAME


def test_release_drops_it_now(db):
    kept = held_files.held_file_keep(name=SECRET_NAME, clean=_clean())

    held_files.held_file_release(kept.token)

    assert held_files.held_file_recall(kept.token) is None


# --- Across the report form ---------------------------------------------------------------


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("foto.jpg", jpeg_with_gps("Marca"), "image/jpeg")


def test_a_photo_survives_a_missing_field_and_is_sent_with_the_report(
    client, orgs, data_dir
):
    # When the worker sends a photo but forgets the categories
    first = client.post(
        "/denunciar/", report_form(categories=[], attachments=[_photo()])
    )

    # Then the page says what is missing at the top, and that the photo is kept
    assert first.status_code == 422
    page = first.content.decode()
    assert page.index('id="error-summary"') < page.index('id="report-form"')
    assert 'href="#id_categories_0"' in page
    assert "Elija al menos un tipo de problema." in page
    assert "no tiene que elegirlo otra vez" in page
    assert "«foto.jpg»" in page
    [token] = HELD_TOKEN.findall(page)
    assert Report.objects.count() == 0

    # When they fix it and send again without choosing the photo again
    second = client.post("/denunciar/", report_form(held=[token]))

    # Then the report carries the photo, and the kept copy is gone
    assert second.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.report == Report.objects.get()
    assert held_files.held_file_recall(token) is None


def test_the_search_round_trip_keeps_the_photo(client, orgs, data_dir):
    response = client.post(
        "/denunciar/",
        report_form(action="search", facility_name="taller", attachments=[_photo()]),
    )

    assert response.status_code == 200
    page = response.content.decode()
    [token] = HELD_TOKEN.findall(page)
    assert "«foto.jpg»" in page
    assert client.post("/denunciar/", report_form(held=[token])).status_code == 302
    assert Attachment.objects.count() == 1


def test_an_expired_photo_is_named_and_the_report_waits_for_the_worker(
    client, orgs, data_dir, monkeypatch
):
    first = client.post(
        "/denunciar/", report_form(categories=[], attachments=[_photo()])
    )
    [token] = HELD_TOKEN.findall(first.content.decode())
    held_files.held_file_release(token)  # as if its minutes had run out

    # When they send again, relying on the kept photo
    second = client.post("/denunciar/", report_form(held=[token]))

    # Then nothing is sent without it unasked: the page names the photo
    assert second.status_code == 422
    page = second.content.decode()
    assert "«foto.jpg» ya no estaba guardado: elíjalo otra vez, o envíe sin él." in page
    assert NARRATIVE in page
    assert Report.objects.count() == 0
    # And the next send goes without it
    assert client.post("/denunciar/", report_form()).status_code == 302


def test_a_file_too_big_to_keep_must_be_chosen_again(client, orgs, data_dir, settings):
    settings.REMEDIA_HELD_FILES_MAX_BYTES = 100

    response = client.post(
        "/denunciar/", report_form(categories=[], attachments=[_photo()])
    )

    page = response.content.decode()
    assert HELD_TOKEN.findall(page) == []
    assert "«foto.jpg» no se pudo guardar mientras corrige: vuelva a elegirlo." in page
    assert "Vuelva a elegir estos archivos: no pudimos guardarlos." in page


def test_an_unticked_kept_file_is_not_sent(client, orgs, data_dir):
    first = client.post(
        "/denunciar/", report_form(categories=[], attachments=[_photo()])
    )
    assert HELD_TOKEN.findall(first.content.decode())

    # The worker took the tick off: the token is not posted
    assert client.post("/denunciar/", report_form()).status_code == 302
    assert Attachment.objects.count() == 0


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path
