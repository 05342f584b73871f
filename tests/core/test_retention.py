"""The retention loop: expired rows go in batches, each audited, files after commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from remedia.accounts.models import Organisation
from remedia.core.models import AuditEntry
from remedia.core.retention import expired_destroy
from tests.support.factories.accounts import OrganisationFactory


@pytest.mark.django_db
def test_expired_rows_go_with_their_files_and_one_audit_entry_each(
    tmp_path: Path, django_capture_on_commit_callbacks
):
    # given five expired rows (organisations stand in), each with a file,
    # and one row that has not expired
    tmp_path = tmp_path / "files"
    tmp_path.mkdir()
    expired = [OrganisationFactory(short_name=f"OLD{i}") for i in range(5)]
    kept = OrganisationFactory(short_name="NEW")
    for row in [*expired, kept]:
        (tmp_path / f"{row.short_name}.bin").write_bytes(b"sealed")

    # when the loop runs in batches of two
    with django_capture_on_commit_callbacks(execute=True):
        destroyed = expired_destroy(
            rows=Organisation.objects.filter(short_name__startswith="OLD"),
            action="test.destroyed",
            files=lambda row: [f"{row.short_name}.bin"],
            directory=lambda: tmp_path,
            audit_data=lambda row, blobs: {"files": len(blobs)},
            organisation=lambda row: None,
            event="test.destroyed",
            batch=2,
        )

    # then every expired row, and only those, is gone with its file, audited
    assert destroyed == 5
    assert list(Organisation.objects.filter(pk__in=[r.pk for r in expired])) == []
    assert Organisation.objects.filter(pk=kept.pk).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NEW.bin"]
    entries = AuditEntry.objects.filter(action="test.destroyed")
    assert sorted(e.object_id for e in entries) == sorted(str(r.pk) for r in expired)
    assert {e.data["files"] for e in entries} == {1}


@pytest.mark.django_db
def test_nothing_expired_destroys_nothing(tmp_path: Path):
    OrganisationFactory()

    destroyed = expired_destroy(
        rows=Organisation.objects.none(),
        action="test.destroyed",
        files=lambda row: [],
        directory=lambda: tmp_path,
        audit_data=lambda row, blobs: {},
        event="test.destroyed",
    )

    assert destroyed == 0
    assert not AuditEntry.objects.filter(action="test.destroyed").exists()
