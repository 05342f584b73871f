"""Retention of petition documents: gone with their files once the RRM case
closed longer ago than the period; the case record stays."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from remedia.core.models import AuditEntry
from remedia.core.retention import retention_run
from remedia.rrm import services
from remedia.rrm.models import RrmCase, RrmDocument
from tests.intake.support import jpeg_with_gps
from tests.rrm.world import _clear_cache, petition  # noqa: F401


def _files(data_dir) -> set[str]:
    return {p.name for p in (data_dir / "rrm-documents").iterdir()}


def test_documents_of_cases_closed_past_the_period_go_with_their_files(
    analyst, data_dir, django_capture_on_commit_callbacks
):
    old_case = petition(analyst)
    kept_case = petition(analyst, facility_name="Confecciones del Bajío")
    old, kept = (
        services.rrm_document_add(
            case=case, user=analyst.user, name="anexo.jpg", data=jpeg_with_gps("C")
        )
        for case in (old_case, kept_case)
    )
    today = timezone.localdate()
    RrmCase.objects.filter(pk=old_case.pk).update(
        closed_on=today - timedelta(days=1826)
    )
    RrmCase.objects.filter(pk=kept_case.pk).update(
        closed_on=today - timedelta(days=1000)
    )
    assert {old.blob, kept.blob} <= _files(data_dir)

    # A dry run counts and changes nothing
    assert retention_run(dry_run=True, only="rrm_documents").rows == {
        "rrm_documents": 1
    }
    assert RrmDocument.objects.count() == 2
    assert {old.blob, kept.blob} <= _files(data_dir)

    with django_capture_on_commit_callbacks(execute=True):
        result = retention_run(only="rrm_documents")

    assert result.rows == {"rrm_documents": 1}
    assert not RrmDocument.objects.filter(pk=old.pk).exists()
    assert old.blob not in _files(data_dir)
    assert kept.blob in _files(data_dir)
    assert RrmCase.objects.filter(pk=old_case.pk).exists()
    assert AuditEntry.objects.filter(
        action="rrm.document_destroyed", object_id=str(old.pk)
    ).exists()
