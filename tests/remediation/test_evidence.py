"""Evidence: uploads cleaned of metadata, refusals that leave nothing behind,
reviews by the monitor, and every opening of a file in the audit log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.core.files import MAX_BYTES
from remedia.remediation import selectors, services
from remedia.remediation.models import (
    Course,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureStatus,
)
from remedia.remediation.services import evidence as evidence_services
from tests.intake.support import GPS_IFD, jpeg_with_gps, pdf_with_author
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

CAMERA = "Canon PowerShot Ubicua"
AUTHOR = "Lic. Rogelio Zárate, Recursos Humanos"


def _measure(course: Course, position: int = 1) -> Measure:
    return course.measures.select_related("course").get(position=position)


def _stored(data_dir: Path) -> list[Path]:  # noqa: F811
    folder = data_dir / "remediation-evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


def _submit(world: World, measure: Measure, data: bytes, **kwargs) -> Evidence:
    fields = {
        "measure": measure,
        "user": world.officer.user,
        "name": "declaracion-comedor.jpg",
        "data": data,
        "description": "Comedor, junto al reloj checador",
        **kwargs,
    }
    return services.evidence_submit(**fields)


# --- Uploading ---------------------------------------------------------------------------


def test_the_officer_uploads_a_photo_stripped_of_its_location(
    world: World,
    course: Course,
    data_dir: Path,  # noqa: F811
) -> None:
    photo = jpeg_with_gps(CAMERA)
    assert CAMERA.encode() in photo

    evidence = _submit(world, _measure(course), photo)

    (path,) = _stored(data_dir)
    assert path.name == evidence.blob
    on_disk = path.read_bytes()
    assert on_disk.startswith(b"\xff\xd8")
    assert CAMERA.encode() not in on_disk
    assert b"Exif" not in on_disk
    with Image.open(io.BytesIO(on_disk)) as image:
        exif = image.getexif()
        assert GPS_IFD not in exif
        assert not exif
    assert evidence.content_type == "image/jpeg"
    assert evidence.size == len(on_disk)
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert evidence.submitted_by == world.officer.user
    assert evidence.description == "Comedor, junto al reloj checador"
    # Someone is working on it: a pending measure is now in progress.
    measure = _measure(course)
    assert measure.status == MeasureStatus.IN_PROGRESS
    entry = AuditEntry.objects.get(action="remediation.evidence_submitted")
    assert entry.data["evidence"] == str(evidence.pk)
    assert entry.data["started"] is True


def test_a_pdf_loses_its_author(
    world: World,
    course: Course,
    data_dir: Path,  # noqa: F811
) -> None:
    evidence = _submit(
        world,
        _measure(course, 2),
        pdf_with_author(AUTHOR),
        name="lineamientos.pdf",
        user=world.monitor.user,
    )

    (path,) = _stored(data_dir)
    assert evidence.content_type == "application/pdf"
    assert AUTHOR.encode() not in path.read_bytes()
    assert "Zárate".encode() not in path.read_bytes()


@pytest.mark.parametrize(
    ("data", "too_large", "reason"),
    [
        (b"MZ\x90\x00 a program, not a photo", False, "no se acepta"),
        (b"<html><script>alert(1)</script></html>", False, "no se acepta"),
        (b"", False, "vacío"),
        (b"\xff\xd8\xff" + b"\0" * MAX_BYTES, False, "pesa más de 10 MB"),
        (b"", True, "pesa más de 10 MB"),
        (b"\xff\xd8\xff\xe0 broken jpeg", False, "No pudimos leer la imagen"),
    ],
    ids=["program", "html", "empty", "large", "cut-short", "damaged"],
)
def test_a_refused_file_leaves_nothing_on_disk_or_in_the_database(
    world: World,
    course: Course,
    data_dir: Path,  # noqa: F811
    data: bytes,
    too_large: bool,
    reason: str,
) -> None:
    measure = _measure(course)

    with pytest.raises(InvalidInput) as caught:
        _submit(world, measure, data, too_large=too_large)

    (error,) = caught.value.errors
    assert error["field"] == "file"
    assert reason in str(error["reason"])
    assert _stored(data_dir) == []
    assert not Evidence.objects.exists()
    assert _measure(course).status == MeasureStatus.PENDING
    assert not AuditEntry.objects.filter(
        action="remediation.evidence_submitted"
    ).exists()


def test_a_failure_after_writing_the_file_removes_it(
    world: World,
    course: Course,
    data_dir: Path,  # noqa: F811
    monkeypatch,
) -> None:
    def broken(*args, **kwargs) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(evidence_services, "_audit", broken)
    with pytest.raises(RuntimeError):
        _submit(world, _measure(course), jpeg_with_gps(CAMERA))
    assert _stored(data_dir) == []
    assert not Evidence.objects.exists()


def test_only_the_company_officer_or_a_monitor_uploads(
    world: World,
    course: Course,
    data_dir: Path,  # noqa: F811
) -> None:
    for staff in (world.analyst, world.stranger):
        with pytest.raises(PermissionDenied):
            _submit(world, _measure(course), jpeg_with_gps(CAMERA), user=staff.user)
    assert _stored(data_dir) == []
    _submit(world, _measure(course), jpeg_with_gps(CAMERA), user=world.monitor.user)
    assert len(_stored(data_dir)) == 1


# --- Reviewing ---------------------------------------------------------------------------


def test_the_monitor_accepts_or_rejects_with_a_reason(
    world: World,
    course: Course,
) -> None:
    measure = _measure(course)
    first = _submit(world, measure, jpeg_with_gps(CAMERA))
    second = _submit(world, measure, jpeg_with_gps(CAMERA))

    with pytest.raises(PermissionDenied):
        services.evidence_review(
            evidence=first, user=world.officer.user, decision="accepted"
        )
    with pytest.raises(InvalidInput) as caught:
        services.evidence_review(
            evidence=second, user=world.monitor.user, decision="rejected"
        )
    assert caught.value.errors[0]["field"] == "reason"
    with pytest.raises(InvalidInput) as caught:
        services.evidence_review(
            evidence=second, user=world.monitor.user, decision="maybe"
        )
    assert caught.value.errors[0]["field"] == "decision"

    services.evidence_review(
        evidence=first, user=world.monitor.user, decision="accepted"
    )
    services.evidence_review(
        evidence=second,
        user=world.monitor.user,
        decision="rejected",
        reason="No se ve la declaración, solo la pared.",
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EvidenceStatus.ACCEPTED
    assert first.reviewed_by == world.monitor.user
    assert second.status == EvidenceStatus.REJECTED
    assert second.review_reason == "No se ve la declaración, solo la pared."
    assert (
        AuditEntry.objects.filter(action="remediation.evidence_reviewed").count() == 2
    )


def test_the_evidence_a_verification_rests_on_cannot_be_rejected(
    world: World,
    course: Course,
) -> None:
    measure = _measure(course)
    evidence = _submit(world, measure, jpeg_with_gps(CAMERA))
    services.evidence_review(
        evidence=evidence, user=world.monitor.user, decision="accepted"
    )
    for to in (MeasureStatus.DONE, MeasureStatus.VERIFIED):
        measure = services.measure_status_change(
            measure=measure, user=world.monitor.user, to_status=to
        )

    with pytest.raises(InvalidInput) as caught:
        services.evidence_review(
            evidence=evidence,
            user=world.monitor.user,
            decision="rejected",
            reason="Era de otra planta.",
        )

    assert caught.value.errors[0]["field"] == "decision"
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.ACCEPTED


# --- Opening -----------------------------------------------------------------------------


def test_every_opening_is_audited_and_strangers_get_nothing(
    world: World,
    course: Course,
) -> None:
    measure = _measure(course)
    evidence = _submit(world, measure, jpeg_with_gps(CAMERA))
    stored = (services.evidence_dir() / evidence.blob).read_bytes()

    for staff in (world.monitor, world.analyst, world.officer, world.monitor):
        found = selectors.evidence_get(measure=measure, evidence_id=evidence.pk)
        with services.evidence_open(evidence=found, user=staff.user) as handle:
            assert handle.read() == stored

    opened = AuditEntry.objects.filter(action="remediation.evidence_opened")
    assert opened.count() == 4
    assert {e.actor_id for e in opened} == {
        str(world.monitor.user.pk),
        str(world.analyst.user.pk),
        str(world.officer.user.pk),
    }
    assert all(e.data["evidence"] == str(evidence.pk) for e in opened)
    with pytest.raises(NotFound):
        services.evidence_open(evidence=evidence, user=world.stranger.user)
    assert opened.count() == 4


def test_evidence_is_looked_up_within_its_measure(
    world: World,
    course: Course,
) -> None:
    evidence = _submit(world, _measure(course), jpeg_with_gps(CAMERA))
    with pytest.raises(NotFound):
        selectors.evidence_get(measure=_measure(course, 2), evidence_id=evidence.pk)
    with pytest.raises(NotFound):
        selectors.evidence_get(measure=_measure(course), evidence_id="nope")
