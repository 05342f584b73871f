"""Large exports as jobs (core.exports): queued after the commit, run by the
worker (here, in process), their progress on a page, the file downloaded by
the person who asked and nobody else, kept encrypted and deleted when due."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from huey.storage import MemoryStorage
from openpyxl import load_workbook
from redis.exceptions import ConnectionError as RedisConnectionError

from remedia.core import exports
from remedia.core.errors import InvalidInput, NotFound
from remedia.core.models import AuditEntry, DeferredJob, ExportJob
from remedia.core.tables import Sheet

pytestmark = pytest.mark.django_db

ROWS = 25
SECRET_CELL = "Texto que solo el archivo tiene"


def _producer(parameters: dict[str, Any], user: Any, progress: Any) -> list[Sheet]:
    count = int(parameters.get("rows", ROWS))
    progress(0, count)  # announced; the rows are counted as they are written

    def rows() -> Iterator[list[Any]]:
        for i in range(count):
            yield [f"fila {i}", i, "=HYPERLINK(1)" if i == 0 else SECRET_CELL]

    return [
        Sheet(title="Filas", header=["Nombre", "Número", "Nota"], rows=rows()),
        Sheet(title="Resumen", header=["Total"], rows=[[count]]),
    ]


def _broken(parameters: dict[str, Any], user: Any, progress: Any) -> list[Sheet]:
    raise RuntimeError("a producer's bug")


@pytest.fixture(autouse=True)
def registered(settings, tmp_path) -> Iterator[None]:
    settings.DATA_DIR = tmp_path
    exports.export_register(
        "tests.rows", producer=_producer, label="Filas de prueba", filename="filas"
    )
    exports.export_register("tests.broken", producer=_broken, label="Rota")
    exports.export_register(
        "tests.admins",
        producer=_producer,
        label="Solo administración",
        capability="organisation.manage",
    )
    yield
    for name in ("tests.rows", "tests.broken", "tests.admins"):
        exports._REGISTRY.pop(name, None)


def _start(
    user: Any, capture: Any, file_format: str = "csv", **parameters: Any
) -> ExportJob:
    with capture(execute=True):
        job = exports.export_start(
            user=user, name="tests.rows", file_format=file_format, parameters=parameters
        )
    job.refresh_from_db()
    return job


def test_a_csv_export_runs_end_to_end_and_only_its_requester_downloads_it(
    handler, handler_b, client, log_in_verified, django_capture_on_commit_callbacks
) -> None:
    # Given a handler who asks for an export (queued once the request commits)
    assert log_in_verified(handler).status_code == 302
    job = _start(handler, django_capture_on_commit_callbacks)

    # Then the worker's job ran it: done, progress at its total, a file kept
    assert job.status == ExportJob.Status.DONE
    assert job.progress_done == job.progress_total == ROWS + 1  # both sheets' rows
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    stored = (exports.data_subdir(exports.DIRECTORY) / job.file).read_bytes()
    assert SECRET_CELL.encode() not in stored  # encrypted at rest
    assert AuditEntry.objects.filter(
        action="export.requested", object_id=str(job.pk)
    ).exists()

    # The page shows it done, with the download link
    page = client.get(f"/staff/exportaciones/{job.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="export-download"' in body
    assert f"/staff/exportaciones/{job.pk}/descargar/" in body
    assert 'http-equiv="refresh"' not in body  # nothing left to wait for

    # The download: an attachment, never sniffed nor cached, audited
    response = client.get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="filas-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Nombre", "Número", "Nota"]
    assert rows[1] == ["fila 0", "0", "'=HYPERLINK(1)"]  # neutralised
    assert len([r for r in rows if r and r[0].startswith("fila ")]) == ROWS
    assert rows[-3:] == [["Resumen"], ["Total"], [str(ROWS)]]
    assert AuditEntry.objects.filter(
        action="export.downloaded", object_id=str(job.pk), actor_id=str(handler.pk)
    ).exists()

    # And another member of staff, even of the same role, finds nothing there
    client.logout()
    assert log_in_verified(handler_b).status_code == 302
    for suffix in ("", "estado/", "descargar/"):
        assert client.get(f"/staff/exportaciones/{job.pk}/{suffix}").status_code == 404
    assert str(job.pk) not in client.get("/staff/exportaciones/").content.decode()
    # Nor does anyone signed out
    anonymous = Client().get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert anonymous.status_code == 302
    assert "/staff/login/" in anonymous["Location"]


def test_an_xlsx_export_holds_each_sheet(
    handler, client, log_in_verified, django_capture_on_commit_callbacks
) -> None:
    assert log_in_verified(handler).status_code == 302
    job = _start(handler, django_capture_on_commit_callbacks, "xlsx", rows=3)
    response = client.get(f"/staff/exportaciones/{job.pk}/descargar/")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Filas", "Resumen"]
    cells = [list(r) for r in book["Filas"].iter_rows(values_only=True)]
    assert cells[0] == ["Nombre", "Número", "Nota"]
    assert cells[1] == ["fila 0", 0, "'=HYPERLINK(1)"]
    assert len(cells) == 4  # noqa: PLR2004


def test_an_export_of_nothing_is_a_file_with_its_headers(
    handler, client, log_in_verified, django_capture_on_commit_callbacks
) -> None:
    assert log_in_verified(handler).status_code == 302
    job = _start(handler, django_capture_on_commit_callbacks, rows=0)
    assert job.status == ExportJob.Status.DONE
    text = client.get(f"/staff/exportaciones/{job.pk}/descargar/").content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == ["Nombre", "Número", "Nota"]
    assert rows[1] == []  # then the summary sheet, whose only row is its total


def test_the_page_shows_progress_and_refreshes_itself_with_or_without_javascript(
    handler, client, log_in_verified
) -> None:
    assert log_in_verified(handler).status_code == 302
    job = ExportJob.objects.create(
        requested_by=handler,
        name="tests.rows",
        format="csv",
        status=ExportJob.Status.RUNNING,
        progress_done=40,
        progress_total=160,
    )
    body = client.get(f"/staff/exportaciones/{job.pk}/").content.decode()
    assert '<progress id="export-progress" max="160" value="40">25 %</progress>' in body
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in body
    assert f'hx-get="/staff/exportaciones/{job.pk}/estado/"' in body
    assert "export-download" not in body
    part = client.get(f"/staff/exportaciones/{job.pk}/estado/")
    assert part.status_code == 200
    assert 'value="40"' in part.content.decode()
    assert "no-cache" in part["Cache-Control"] or "max-age=0" in part["Cache-Control"]
    # Not ready: no download yet, for the requester either
    assert client.get(f"/staff/exportaciones/{job.pk}/descargar/").status_code == 404
    listing = client.get("/staff/exportaciones/").content.decode()
    assert "Filas de prueba (CSV)" in listing


def test_expired_files_are_deleted_and_stopped_jobs_fail(
    handler, client, log_in_verified, django_capture_on_commit_callbacks
) -> None:
    assert log_in_verified(handler).status_code == 302
    job = _start(handler, django_capture_on_commit_callbacks)
    directory = exports.data_subdir(exports.DIRECTORY)
    path = directory / job.file
    assert path.exists()
    stray = directory / "left-behind.bin"
    stray.write_bytes(b"x")
    old = (timezone.now() - timedelta(hours=1)).timestamp()
    os.utime(stray, (old, old))
    stuck = ExportJob.objects.create(
        requested_by=handler, name="tests.rows", format="csv", status="running"
    )
    ExportJob.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - timedelta(minutes=20)
    )

    # Nothing is due yet: the file stays
    report = exports.exports_housekeeping_now()
    assert report.expired == 0
    assert path.exists()
    assert not stray.exists()  # no job claims it
    assert report.stopped == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error) == ("failed", "stopped")

    # Once due, the file is deleted and the page says so
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert exports.exports_housekeeping_now().expired == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.file == ""
    assert client.get(f"/staff/exportaciones/{job.pk}/descargar/").status_code == 404
    body = client.get(f"/staff/exportaciones/{job.pk}/").content.decode()
    assert "El archivo ya se borró" in body
    body = client.get(f"/staff/exportaciones/{stuck.pk}/").content.decode()
    assert str(exports.ERRORS["stopped"]) in body


def test_failures_end_the_job_with_a_reason_and_log_no_data(
    handler, django_capture_on_commit_callbacks, monkeypatch, caplog
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        broken = exports.export_start(
            user=handler, name="tests.broken", file_format="csv"
        )
    broken.refresh_from_db()
    assert (broken.status, broken.error) == ("failed", "failed")
    assert not broken.file

    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    large = _start(handler, django_capture_on_commit_callbacks, rows=10)
    assert (large.status, large.error) == ("failed", "too_large")
    assert "1 048 575" in exports.export_error(large)
    assert SECRET_CELL not in caplog.text
    assert not list(exports.data_subdir(exports.DIRECTORY).iterdir())


def test_requests_that_cannot_be_made_are_refused_plainly(handler) -> None:
    with pytest.raises(NotFound):
        exports.export_start(user=handler, name="nobody.registered", file_format="csv")
    with pytest.raises(NotFound):  # a handler does not manage organisations
        exports.export_start(user=handler, name="tests.admins", file_format="csv")
    with pytest.raises(InvalidInput) as refused:
        exports.export_start(user=handler, name="tests.rows", file_format="pdf")
    assert "CSV o XLSX" in str(refused.value.reasons)
    for _i in range(exports.MAX_PENDING):
        exports.export_start(user=handler, name="tests.rows", file_format="csv")
    with pytest.raises(InvalidInput) as busy:
        exports.export_start(user=handler, name="tests.rows", file_format="csv")
    assert "3 exportaciones en curso" in str(busy.value.reasons)
    assert ExportJob.objects.count() == exports.MAX_PENDING


def test_a_job_queued_while_the_queue_is_down_is_kept_and_runs_later(
    handler, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from huey.contrib.djhuey import HUEY

    storage = MemoryStorage("exports-outage")
    monkeypatch.setattr(HUEY, "storage", storage)
    monkeypatch.setattr(HUEY, "_immediate", False)

    def down(*args: Any, **kwargs: Any) -> None:
        raise RedisConnectionError("down")

    monkeypatch.setattr(storage, "enqueue", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_start(user=handler, name="tests.rows", file_format="csv")
    # The request succeeded; the job waits in the database
    kept = DeferredJob.objects.get()
    assert "export_job" in kept.name
    assert ExportJob.objects.get(pk=job.pk).status == "queued"

    # The queue answers again: the job is queued, and the worker runs it
    monkeypatch.undo()
    monkeypatch.setattr(HUEY, "storage", storage)
    monkeypatch.setattr(HUEY, "_immediate", False)
    assert HUEY.requeue_deferred() == 1
    task = HUEY.dequeue()
    assert "export_job" in task.name
    exports.export_run(*task.args)  # what the worker's job does
    job.refresh_from_db()
    assert job.status == "done"
    assert job.progress_done == job.progress_total == ROWS + 1


def test_a_file_made_before_the_secret_key_rotated_still_opens_and_a_damaged_one_is_404(
    handler, client, log_in_verified, django_capture_on_commit_callbacks, settings
) -> None:
    assert log_in_verified(handler).status_code == 302
    job = _start(handler, django_capture_on_commit_callbacks, rows=2)
    url = f"/staff/exportaciones/{job.pk}/descargar/"
    old = settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [old]
    settings.SECRET_KEY = old + "-rotated"
    assert exports._read(exports.data_subdir(exports.DIRECTORY) / job.file) is not None
    settings.SECRET_KEY_FALLBACKS = []
    assert exports._read(exports.data_subdir(exports.DIRECTORY) / job.file) is None
    settings.SECRET_KEY = old
    (exports.data_subdir(exports.DIRECTORY) / job.file).write_bytes(b"damaged")
    assert client.get(url).status_code == 404
