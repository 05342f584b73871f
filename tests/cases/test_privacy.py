"""What staff write about a case is nowhere in plain text; expired cases are gone."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from remedia.cases import services
from remedia.cases.models import Case, CaseDocument
from remedia.core.models import AuditEntry
from tests.intake.support import (
    database_dump,
    database_file_image,
    found_in,
    png_with_text,
)


def test_notes_documents_and_messages_leave_no_plaintext_in_the_database_or_files(
    report_in, agu_handler, data_dir
):
    marker = f"MARCA-{secrets.token_hex(8)}"
    submitted = report_in()
    case = services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)
    services.case_note_add(case=case, user=agu_handler.user, body=f"nota {marker}")
    services.case_message_reporters(
        case=case, user=agu_handler.user, body=f"pregunta {marker}"
    )
    services.case_document_add(
        case=case,
        user=agu_handler.user,
        name=f"{marker}.png",
        data=png_with_text(marker),
    )

    secrets_ = [marker.encode()]
    assert found_in(database_dump(), secrets_) == []
    assert found_in(database_file_image(), secrets_) == []
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert found_in(path.read_bytes(), secrets_) == [], path


def test_closed_cases_past_retention_are_destroyed_with_their_files(
    report_in, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    case = services.case_open(report_ids=[report_in().report.pk], user=agu_handler.user)
    document = services.case_document_add(
        case=case, user=agu_handler.user, name="a.png", data=png_with_text("x")
    )
    services.case_status_change(
        case=case, user=agu_handler.user, status="closed", reason="remedied"
    )
    blob = data_dir / "case-documents" / document.blob
    assert blob.exists()

    assert services.cases_destroy_expired(now=timezone.now() + timedelta(days=700)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        destroyed = services.cases_destroy_expired(
            now=timezone.now() + timedelta(days=731)
        )

    assert destroyed == 1
    assert not Case.objects.exists()
    assert not CaseDocument.objects.exists()
    assert not blob.exists()
    assert AuditEntry.objects.filter(action="case.destroyed").count() == 1
