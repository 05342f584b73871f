"""Imports whose process stopped (issue 20): an import whose worker or command
is killed does not stay "running" for ever. A queued import is resumed (its
file is kept) up to three starts, then fails saying why and can be retried from
its page; an import from the command line fails saying so, and the next run of
the command (or the worker's watch) marks it."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from remedia.core.models import AuditEntry
from remedia.facilities import services, tasks
from remedia.facilities.models import (
    Facility,
    FacilityImport,
    FacilityImportFile,
    ImportStatus,
)
from tests.facilities import supplier_lists
from tests.facilities.import_support import csv_bytes
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment

pytestmark = pytest.mark.django_db

DATA = csv_bytes(
    [
        ("Textiles García", "MX-PUE", "Tehuacán", "40"),
        ("Textiles García Norte", "MX-PUE", "Tehuacán", "25"),
    ]
)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _queued(user=None) -> FacilityImport:
    return services.facility_import_queue(
        data=DATA, file_name="lista.csv", dry_run=False, created_by=user
    )


def _killed_while_running(facility_import: FacilityImport, *, attempts: int = 1):
    """What a worker killed mid-import leaves: the import taken and running,
    its last heartbeat long ago, nothing of it saved."""
    long_ago = timezone.now() - services.stale_after() - timedelta(seconds=5)
    FacilityImport.objects.filter(pk=facility_import.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=long_ago, attempts=attempts
    )


def test_a_queued_import_whose_worker_died_is_resumed_and_finishes():
    # Given an import a worker took and was killed running
    imp = _queued()
    _killed_while_running(imp)

    # When the worker's watch runs (jobs run at once under tests)
    report = tasks.facility_imports_recover_now()

    # Then it was queued again, ran to the end, and its file is gone
    assert report.resumed == [str(imp.pk)]
    imp.refresh_from_db()
    assert (imp.status, imp.created_count, imp.attempts) == (ImportStatus.DONE, 2, 2)
    assert Facility.objects.count() == 2
    assert not FacilityImportFile.objects.filter(pk=imp.pk).exists()


def test_an_import_that_keeps_dying_fails_visibly_and_can_be_retried(
    client, handler, log_in_verified
):
    # Given an import whose worker died at each of its three starts
    imp = _queued(handler)
    _killed_while_running(imp, attempts=services.MAX_ATTEMPTS)

    # When the watch runs
    report = tasks.facility_imports_recover_now()

    # Then it failed, with the reason on its page, nothing kept, and a way to
    # retry; the stop is in the audit log
    assert report.failed == [str(imp.pk)]
    imp.refresh_from_db()
    assert imp.status == ImportStatus.FAILED
    assert "se detuvo 3 veces" in imp.errors[0]["reason"]
    assert Facility.objects.count() == 0
    assert AuditEntry.objects.filter(
        action="facility.import_stopped", object_id=str(imp.pk)
    ).exists()
    assert log_in_verified(handler).status_code == 302
    page = client.get(f"/staff/facilities/import/{imp.pk}/").content.decode()
    text = _text(page)
    assert "La importación no terminó: no se guardó nada" in text
    assert "se detuvo 3 veces" in text
    assert f'action="/staff/facilities/import/{imp.pk}/retry/"' in page

    # When a person retries it
    response = client.post(f"/staff/facilities/import/{imp.pk}/retry/")

    # Then it runs again from the start and finishes
    assert response.status_code == 302
    imp.refresh_from_db()
    assert (imp.status, imp.created_count, imp.errors) == (ImportStatus.DONE, 2, [])
    assert AuditEntry.objects.filter(
        action="facility.import_retried", object_id=str(imp.pk)
    ).exists()
    assert (
        "Reintentar"
        not in client.get(f"/staff/facilities/import/{imp.pk}/").content.decode()
    )


def test_the_retry_page_speaks_english(client, handler, log_in_verified):
    imp = _queued(handler)
    _killed_while_running(imp, attempts=services.MAX_ATTEMPTS)
    tasks.facility_imports_recover_now()
    assert log_in_verified(handler).status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = _text(
        client.get(
            f"/staff/facilities/import/{imp.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )

    assert "The import did not finish: nothing was saved" in text
    assert "Retry the import" in text


def test_an_import_refused_for_its_content_cannot_be_retried(
    client, handler, log_in_verified
):
    # Given an upload refused for a bad row (its file is not kept)
    assert log_in_verified(handler).status_code == 302
    client.post(
        "/staff/facilities/import/",
        {"file": SimpleUploadedFile("l.csv", csv_bytes([("", "MX-PUE", "", "")]))},
    )
    imp = FacilityImport.objects.get()
    assert imp.status == ImportStatus.FAILED
    assert not FacilityImportFile.objects.filter(pk=imp.pk).exists()
    page = client.get(f"/staff/facilities/import/{imp.pk}/").content.decode()
    assert "/retry/" not in page

    # When someone posts a retry anyway
    response = client.post(f"/staff/facilities/import/{imp.pk}/retry/", follow=True)

    # Then it is refused with a reason and nothing changes
    assert response.status_code == 200
    assert "no se puede reintentar" in _text(response.content.decode())
    imp.refresh_from_db()
    assert imp.status == ImportStatus.FAILED


def test_a_running_import_with_a_recent_heartbeat_is_left_alone():
    imp = _queued()
    FacilityImport.objects.filter(pk=imp.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now(), attempts=1
    )

    report = tasks.facility_imports_recover_now()

    assert report.resumed == report.failed == []
    imp.refresh_from_db()
    assert imp.status == ImportStatus.RUNNING


def test_a_job_queued_twice_runs_once():
    # Given an import queued, and its job delivered twice (a resumption racing
    # the original job)
    imp = _queued()
    tasks.facility_import_job(str(imp.pk), None, "es")
    imp.refresh_from_db()
    assert (imp.status, imp.attempts) == (ImportStatus.DONE, 1)

    # When the second delivery runs
    tasks.facility_import_job(str(imp.pk), None, "es")

    # Then it finds the import taken and does nothing
    imp.refresh_from_db()
    assert (imp.status, imp.attempts, imp.created_count) == (ImportStatus.DONE, 1, 2)
    assert Facility.objects.count() == 2


def test_a_killed_command_import_is_marked_failed_by_the_next_command(
    remedia_cli, cli_data_dir, tmp_path
):
    # Given `remedia import-facilities` killed while it matches a large list
    big = tmp_path / "grande.csv"
    big.write_bytes(
        supplier_lists.encode(supplier_lists.supplier_list(60_000, seed=3).rows)
    )
    env = cli_environment(cli_data_dir, REMEDIA_IMPORT_STALE_SECONDS="2")
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [str(REMEDIA), "import-facilities", str(big)],
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    database = cli_data_dir / "remedia.sqlite3"

    def running() -> int:
        with sqlite3.connect(database) as conn:
            return conn.execute(
                "SELECT count(*) FROM facilities_facilityimport WHERE status = 'running'"
            ).fetchone()[0]

    try:
        deadline = time.monotonic() + 120
        while not running():
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert running() == 1
    time.sleep(3)

    # When the command is run again (with another file)
    small = tmp_path / "chica.csv"
    small.write_bytes(DATA)
    done = subprocess.run(  # noqa: S603
        [str(REMEDIA), "import-facilities", str(small)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # Then the killed import is marked failed, saying why, and nothing of it
    # was kept; the new one is imported
    assert done.returncode == 0, done.stderr
    assert "had stopped before finishing and kept nothing: marked failed" in done.stderr
    assert "created 2," in done.stdout
    with sqlite3.connect(database) as conn:
        statuses = conn.execute(
            "SELECT status, errors FROM facilities_facilityimport ORDER BY created_at"
        ).fetchall()
        facilities = conn.execute(
            "SELECT count(*) FROM facilities_facility"
        ).fetchone()[0]
    assert [s for s, _e in statuses] == ["failed", "done"]
    assert "Vuelva a importar el archivo" in statuses[0][1]
    assert facilities == 2
