"""Retention: a report closed longer ago than the configured period is destroyed
with everything hanging from it, its encrypted files included; nothing else is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from remedia.core import tasks as core_tasks
from remedia.core.models import AuditEntry
from remedia.intake import services
from remedia.intake.models import (
    Attachment,
    Message,
    Report,
    ReportCategory,
    ReportKeyGrant,
    ReportRecipient,
    ReportStatus,
)
from tests.intake.support import (
    ME_URL,
    NARRATIVE,
    REPORTS_URL,
    pdf_with_author,
    png_with_text,
    receipt_auth,
)
from tests.support.actors import Staff
from tests.support.intake import intake_configuration

HANGING = (Message, ReportKeyGrant, ReportCategory, Attachment, ReportRecipient)


@dataclass(frozen=True)
class Filed:
    """A report with a reporter's message, a staff reply and a file on each."""

    report: Report
    receipt: str
    files: list[Path]


def _file(
    handler: Staff, data_dir: Path, *, status: str, closed_days_ago: int | None = None
) -> Filed:
    submitted = services.report_submit(
        draft=services.ReportDraft(
            channel="api",
            categories=["intimidation", "wages"],
            narrative=NARRATIVE,
            state="MX-AGU",
            files=[services.IncomingFile("foto.png", png_with_text("Juana"))],
        )
    )
    report = submitted.report
    services.reporter_message_add(
        access=services.reporter_open(receipt=submitted.receipt),
        body="Les mando el recibo de nómina.",
        incoming=[services.IncomingFile("nomina.pdf", pdf_with_author("Juana"))],
    )
    services.staff_reply(
        report=report,
        user=handler.user,
        body="Gracias, lo revisamos.",
        incoming=[services.IncomingFile("guia.png", png_with_text("CLA"))],
    )
    if status != ReportStatus.ACKNOWLEDGED:
        services.report_status_change(report=report, user=handler.user, status=status)
    if closed_days_ago is not None:
        Report.objects.filter(pk=report.pk).update(
            closed_at=timezone.now() - timedelta(days=closed_days_ago)
        )
    blobs = Attachment.objects.filter(report=report).values_list("blob", flat=True)
    files = [data_dir / "attachments" / blob for blob in blobs]
    assert len(files) == 3
    assert all(path.is_file() for path in files)
    return Filed(
        report=Report.objects.get(pk=report.pk), receipt=submitted.receipt, files=files
    )


def _rows_of(report: Report) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(report_id=report.pk).count()
        for model in HANGING
    }


def _retention(days: int) -> None:
    config = intake_configuration()
    config.retention_days = days
    config.save(update_fields=["retention_days"])


def test_report_closed_past_retention_is_destroyed_with_all_it_holds(
    orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    # Given the default retention (730 days), a report closed 731 days ago
    assert intake_configuration().retention_days == 730
    expired = _file(
        agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=731
    )
    assert all(_rows_of(expired.report).values()), _rows_of(expired.report)
    # And reports that must stay: closed recently, in review, and received long ago
    recent = _file(
        agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=729
    )
    in_review = _file(agu_handler, data_dir, status=ReportStatus.IN_REVIEW)
    old_open = _file(agu_handler, data_dir, status=ReportStatus.ACKNOWLEDGED)
    Report.objects.filter(pk=old_open.report.pk).update(
        created_at=timezone.now() - timedelta(days=2000)
    )
    kept = [recent, in_review, old_open]
    kept_rows = {f.report.pk: _rows_of(f.report) for f in kept}

    # When expired reports are destroyed (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        destroyed = services.reports_destroy_expired()

    # Then the expired report is gone with its messages, grants, categories,
    # recipients and attachment rows, and its encrypted files are unlinked
    assert destroyed == 1
    assert not Report.objects.filter(pk=expired.report.pk).exists()
    assert set(_rows_of(expired.report).values()) == {0}
    assert [path for path in expired.files if path.exists()] == []
    # And the destruction is on the record, without anything the worker wrote
    entry = AuditEntry.objects.get(action="report.destroyed")
    assert entry.object_id == str(expired.report.pk)
    assert entry.data["attachments"] == 3
    assert NARRATIVE not in str(entry.data)
    # And the other reports are untouched, files and all
    for filed in kept:
        assert Report.objects.filter(pk=filed.report.pk).exists()
        assert _rows_of(filed.report) == kept_rows[filed.report.pk]
        assert all(path.is_file() for path in filed.files)


def test_destroyed_report_no_longer_opens_with_its_receipt(
    client, orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    # Given an expired report whose receipt still works
    expired = _file(
        agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=800
    )
    assert client.get(ME_URL, headers=receipt_auth(expired.receipt)).status_code == 200

    # When it is destroyed
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_destroy_expired()

    # Then the receipt opens nothing, and the handler cannot open it either
    assert client.get(ME_URL, headers=receipt_auth(expired.receipt)).status_code == 401
    detail = client.get(
        f"{REPORTS_URL}/{expired.report.pk}", headers=agu_handler.headers
    )
    assert detail.status_code == 404


@pytest.mark.parametrize(
    ("closed_days_ago", "destroyed"), [(29, False), (31, True)], ids=["29d", "31d"]
)
def test_retention_period_is_the_configured_one(
    orgs,
    agu_handler,
    data_dir,
    django_capture_on_commit_callbacks,
    closed_days_ago,
    destroyed,
):
    # Given a retention period shortened to 30 days
    _retention(30)
    filed = _file(
        agu_handler,
        data_dir,
        status=ReportStatus.CLOSED,
        closed_days_ago=closed_days_ago,
    )

    with django_capture_on_commit_callbacks(execute=True):
        count = services.reports_destroy_expired()

    assert count == int(destroyed)
    assert Report.objects.filter(pk=filed.report.pk).exists() is not destroyed
    assert all(path.exists() is not destroyed for path in filed.files)


def test_nothing_expired_destroys_nothing(orgs, agu_handler, data_dir):
    filed = _file(agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=1)

    assert services.reports_destroy_expired() == 0

    assert Report.objects.filter(pk=filed.report.pk).exists()
    assert not AuditEntry.objects.filter(action="report.destroyed").exists()


def test_scheduled_task_destroys_expired_reports(
    orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    # Given one expired report and one closed yesterday
    expired = _file(
        agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=1000
    )
    fresh = _file(agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=1)

    # When the scheduled job runs (at once, under the tests)
    with django_capture_on_commit_callbacks(execute=True):
        core_tasks.retention_nightly()

    # Then it destroyed the expired report only, files included (a periodic
    # task's return value is not kept, so the effects are what show)
    assert list(Report.objects.values_list("pk", flat=True)) == [fresh.report.pk]
    assert [path for path in expired.files if path.exists()] == []
    assert all(path.is_file() for path in fresh.files)
    assert AuditEntry.objects.filter(action="report.destroyed").count() == 1


def test_inbox_count_drops_at_once(
    client, orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    # Given an inbox of three, one of them expired, counted (and so cached) once
    expired = _file(
        agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=900
    )
    _file(agu_handler, data_dir, status=ReportStatus.CLOSED, closed_days_ago=2)
    _file(agu_handler, data_dir, status=ReportStatus.IN_REVIEW)
    before = client.get(REPORTS_URL, headers=agu_handler.headers).json()
    assert before["count"] == 3

    # When the expired report is destroyed
    with django_capture_on_commit_callbacks(execute=True):
        services.reports_destroy_expired()

    # Then the very next inbox says two, and lists neither more nor the destroyed one
    after = client.get(REPORTS_URL, headers=agu_handler.headers).json()
    assert after["count"] == 2
    assert len(after["items"]) == 2
    assert str(expired.report.pk) not in {item["id"] for item in after["items"]}
