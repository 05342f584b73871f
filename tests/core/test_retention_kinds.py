"""Retention, kind by kind: what is past its period is looked for afterwards.

Each test makes the data the way the application does (with its files and
keys), moves one item's clock past its period and leaves another inside it,
runs the nightly retention (`core.retention.retention_run`), and then looks
for the expired item everywhere: its row and every row pointing at it in any
table, its files under the data directory, and the bytes of its keys and
ciphertext in a dump of every table. A dry run first must change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import models
from django.utils import timezone

from remedia.cases import services as cases
from remedia.cases.models import Case, CaseDocument, CaseKeyGrant, CaseStatus
from remedia.coordination.models import ProgressUpdate, UpdateEvidence
from remedia.coordination.services.updates import update_submit
from remedia.core.models import AuditEntry
from remedia.core.retention import retention_outlook, retention_run
from remedia.facilities.models import (
    FacilityImport,
    FacilityImportFile,
    ImportStatus,
)
from remedia.intake import services as intake
from remedia.intake.models import Attachment, Report, ReportKeyGrant, ReportStatus
from remedia.notifications.models import Notification
from remedia.protection.models import FileKeyGrant, FileNote, VictimFile
from remedia.protection.services.files import file_note_add
from remedia.remediation import services as remediation
from remedia.remediation import surveys
from remedia.remediation.models import (
    Course,
    CourseStatus,
    Evidence,
    ResponseChannel,
    SurveyAnswer,
    SurveyResponse,
    SurveyStatus,
)
from tests.intake.support import (
    NARRATIVE,
    database_dump,
    found_in,
    jpeg_with_gps,
    png_with_text,
)
from tests.support.actors import Staff
from tests.support.coordination import CoordinationWorld
from tests.support.protection import ProtectionWorld, victim_file_open
from tests.support.remediation import World

pytestmark = pytest.mark.django_db


# --- Looking for what should be gone ----------------------------------------------------


def files_under(data_dir: Path) -> set[str]:
    """Every file under the data directory, by its path inside it."""
    return {
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path.is_file()
    }


def rows_pointing_at(model: type[models.Model], pk: Any) -> dict[str, int]:
    """Rows of any table (many-to-many tables included) that point at `pk`."""
    found = {}
    for other in apps.get_models(include_auto_created=True):
        for field in other._meta.get_fields():
            if (
                field.is_relation
                and field.concrete
                and (field.many_to_one or field.one_to_one)
                and field.related_model is model
            ):
                count = other._default_manager.filter(**{field.name: pk}).count()
                if count:
                    found[f"{other.__name__}.{field.name}"] = count
    return found


def gone(model: type[models.Model], pk: Any) -> None:
    assert not model._default_manager.filter(pk=pk).exists()
    assert rows_pointing_at(model, pk) == {}


def secrets_of(*rows: models.Model, fields: tuple[str, ...]) -> list[bytes]:
    """The key material and ciphertext of rows, to look for in a dump later."""
    found = []
    for row in rows:
        for name in fields:
            value = getattr(row, name, None)
            if value:
                found.append(bytes(value))
    return found


@dataclass
class Before:
    """What the database and the data directory held before a dry run."""

    files: set[str]
    counts: dict[str, int]


def before(data_dir: Path, *models_: type[models.Model]) -> Before:
    return Before(
        files=files_under(data_dir),
        counts={m.__name__: m._default_manager.count() for m in models_},
    )


def dry_run_changes_nothing(
    data_dir: Path, kind: str, expected: int, *models_: type[models.Model]
) -> None:
    state = before(data_dir, *models_)
    audit = AuditEntry.objects.count()
    result = retention_run(dry_run=True, only=kind)
    assert result.rows == {kind: expected}
    assert before(data_dir, *models_) == state
    assert AuditEntry.objects.count() == audit


def run(kind: str, capture: Any) -> dict[str, int]:
    with capture(execute=True):
        result = retention_run(only=kind)
    assert result.failed == []
    entry = AuditEntry.objects.filter(action="retention.destroyed").last()
    assert entry is not None
    assert entry.data["rows"] == result.rows
    return result.rows


# --- Reports, with their attachments -------------------------------------------------


def _report(handler: Staff, *, closed_days_ago: int | None) -> Report:
    submitted = intake.report_submit(
        draft=intake.ReportDraft(
            channel="api",
            categories=["intimidation"],
            narrative=NARRATIVE,
            state="MX-AGU",
            files=[intake.IncomingFile("foto.png", png_with_text("Juana"))],
        )
    )
    report = submitted.report
    intake.staff_reply(
        report=report,
        user=handler.user,
        body="Gracias.",
        incoming=[intake.IncomingFile("guia.png", png_with_text("CLA"))],
    )
    if closed_days_ago is None:
        return report
    intake.report_status_change(
        report=report, user=handler.user, status=ReportStatus.CLOSED
    )
    Report.objects.filter(pk=report.pk).update(
        closed_at=timezone.now() - timedelta(days=closed_days_ago)
    )
    return Report.objects.get(pk=report.pk)


def test_reports_past_their_period_go_with_attachments_keys_and_files(
    orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    # Given a report closed 731 days ago and one closed 729 days ago (730 by default)
    old = _report(agu_handler, closed_days_ago=731)
    kept = _report(agu_handler, closed_days_ago=729)
    old_files = {
        f"attachments/{blob}"
        for blob in Attachment.objects.filter(report=old).values_list("blob", flat=True)
    }
    assert len(old_files) == 2
    assert old_files <= files_under(data_dir)
    keys = secrets_of(old, fields=("public_key", "content", "reporter_wrapped_key"))
    keys += secrets_of(
        *ReportKeyGrant.objects.filter(report=old), fields=("sealed_key",)
    )
    keys += secrets_of(
        *Attachment.objects.filter(report=old), fields=("sealed_key", "sealed_meta")
    )
    assert found_in(database_dump(), keys)

    dry_run_changes_nothing(data_dir, "reports", 1, Report, Attachment, ReportKeyGrant)
    assert run("reports", django_capture_on_commit_callbacks) == {"reports": 1}

    gone(Report, old.pk)
    assert not (old_files & files_under(data_dir))
    assert found_in(database_dump(), keys) == []
    # The one inside its period is untouched, files and keys included
    assert Report.objects.filter(pk=kept.pk).exists()
    assert ReportKeyGrant.objects.filter(report=kept).exists()
    assert all(
        (data_dir / "attachments" / blob).is_file()
        for blob in Attachment.objects.filter(report=kept).values_list(
            "blob", flat=True
        )
    )


def test_the_operators_period_wins_over_the_administrators(
    orgs, agu_handler, data_dir, settings, django_capture_on_commit_callbacks
):
    settings.REMEDIA_RETENTION = {**settings.REMEDIA_RETENTION, "reports": 10}
    old = _report(agu_handler, closed_days_ago=11)
    kept = _report(agu_handler, closed_days_ago=9)

    assert run("reports", django_capture_on_commit_callbacks) == {"reports": 1}
    gone(Report, old.pk)
    assert Report.objects.filter(pk=kept.pk).exists()

    # "never": reports are kept whatever their age
    settings.REMEDIA_RETENTION = {**settings.REMEDIA_RETENTION, "reports": "never"}
    Report.objects.filter(pk=kept.pk).update(
        closed_at=timezone.now() - timedelta(days=5000)
    )
    assert run("reports", django_capture_on_commit_callbacks) == {}
    assert Report.objects.filter(pk=kept.pk).exists()


# --- Cases, with their documents ----------------------------------------------------


def test_cases_past_their_period_go_with_documents_keys_and_files(
    orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    def closed_case(days_ago: int) -> Case:
        report = _report(agu_handler, closed_days_ago=None)
        case = cases.case_open(report_ids=[report.pk], user=agu_handler.user)
        cases.case_note_add(case=case, user=agu_handler.user, body="nota")
        cases.case_document_add(
            case=case, user=agu_handler.user, name="a.png", data=png_with_text("x")
        )
        cases.case_status_change(
            case=case, user=agu_handler.user, status="closed", reason="remedied"
        )
        Case.objects.filter(pk=case.pk).update(
            closed_at=timezone.now() - timedelta(days=days_ago)
        )
        return Case.objects.get(pk=case.pk)

    old, kept = closed_case(731), closed_case(700)
    assert old.status == CaseStatus.CLOSED
    old_files = {
        f"case-documents/{b}"
        for b in CaseDocument.objects.filter(case=old).values_list("blob", flat=True)
    }
    assert old_files
    assert old_files <= files_under(data_dir)
    keys = secrets_of(old, fields=("public_key",))
    keys += secrets_of(*CaseKeyGrant.objects.filter(case=old), fields=("sealed_key",))
    keys += secrets_of(
        *CaseDocument.objects.filter(case=old), fields=("sealed_key", "sealed_meta")
    )

    dry_run_changes_nothing(data_dir, "cases", 1, Case, CaseDocument, CaseKeyGrant)
    assert run("cases", django_capture_on_commit_callbacks) == {"cases": 1}

    gone(Case, old.pk)
    assert not (old_files & files_under(data_dir))
    assert found_in(database_dump(), keys) == []
    assert CaseDocument.objects.filter(case=kept).exists()
    assert CaseKeyGrant.objects.filter(case=kept).exists()


# --- Victim files --------------------------------------------------------------------


def test_closed_victim_files_past_their_period_go_with_identity_notes_and_keys(
    protection_world: ProtectionWorld, data_dir, django_capture_on_commit_callbacks
):
    world = protection_world

    def closed_file(days_ago: int) -> VictimFile:
        file = victim_file_open(world)
        file_note_add(file=file, user=world.worker.user, body="Llamó su tía.")
        VictimFile.objects.filter(pk=file.pk).update(
            status="closed",
            closure_reason="support_completed",
            closed_at=timezone.now() - timedelta(days=days_ago),
        )
        return VictimFile.objects.get(pk=file.pk)

    old, kept = closed_file(1826), closed_file(1000)
    keys = secrets_of(old, fields=("public_key", "identity"))
    keys += secrets_of(*FileKeyGrant.objects.filter(file=old), fields=("sealed_key",))
    keys += secrets_of(*FileNote.objects.filter(file=old), fields=("content",))
    assert len(keys) >= 4

    dry_run_changes_nothing(data_dir, "victim_files", 1, VictimFile, FileKeyGrant)
    assert run("victim_files", django_capture_on_commit_callbacks) == {
        "victim_files": 1
    }

    gone(VictimFile, old.pk)
    assert found_in(database_dump(), keys) == []
    assert FileKeyGrant.objects.filter(file=kept).exists()
    assert FileNote.objects.filter(file=kept).exists()
    assert AuditEntry.objects.filter(
        action="victim_file.destroyed", object_id=str(old.pk)
    ).exists()


# --- Remediation: evidence and survey answers -----------------------------------------


def _closed(course: Course, days_ago: int) -> None:
    Course.objects.filter(pk=course.pk).update(
        status=CourseStatus.COMPLETED,
        closed_on=timezone.localdate() - timedelta(days=days_ago),
    )


def test_evidence_of_plans_closed_past_the_period_goes_with_its_files(
    world: World, course: Course, data_dir, django_capture_on_commit_callbacks
):
    from tests.support.remediation import course_make

    other = course_make(world)
    for c in (course, other):
        remediation.evidence_submit(
            measure=c.measures.get(position=1),
            user=world.officer.user,
            name="comedor.jpg",
            data=jpeg_with_gps("Cámara"),
        )
    _closed(course, 1096)
    _closed(other, 1000)
    old = Evidence.objects.get(measure__course=course)
    kept = Evidence.objects.get(measure__course=other)
    path = f"remediation-evidence/{old.blob}"
    assert path in files_under(data_dir)

    dry_run_changes_nothing(data_dir, "remediation_evidence", 1, Evidence)
    assert run("remediation_evidence", django_capture_on_commit_callbacks) == {
        "remediation_evidence": 1
    }

    gone(Evidence, old.pk)
    assert path not in files_under(data_dir)
    assert f"remediation-evidence/{kept.blob}" in files_under(data_dir)
    # The plan itself stays: only what may show people goes
    assert Course.objects.filter(pk=course.pk).exists()


def test_answers_to_closed_surveys_go_after_their_period(
    world: World, course: Course, data_dir, django_capture_on_commit_callbacks
):
    survey = surveys.survey_open(
        user=world.monitor.user, measure=course.measures.get(position=1)
    )
    questions = surveys.survey_questions(survey)
    given = [
        surveys.survey_answer(
            survey=survey,
            respondent_token=f"navegador-{i}-0123456789abcdef",
            channel=ResponseChannel.WEB,
            answers={q.pk: "yes" for q in questions},
        )
        for i in range(2)
    ]
    old, kept = given
    SurveyResponse.objects.filter(pk=old.pk).update(
        answered_on=timezone.localdate() - timedelta(days=366)
    )
    # An open survey's answers are kept whatever their age
    dry_run_changes_nothing(data_dir, "survey_answers", 0, SurveyResponse)
    survey.__class__.objects.filter(pk=survey.pk).update(status=SurveyStatus.CLOSED)
    respondent = old.respondent

    dry_run_changes_nothing(data_dir, "survey_answers", 1, SurveyResponse, SurveyAnswer)
    assert run("survey_answers", django_capture_on_commit_callbacks) == {
        "survey_answers": 1
    }

    gone(SurveyResponse, old.pk)
    assert found_in(database_dump(), [respondent.encode()]) == []
    assert SurveyAnswer.objects.filter(response=kept).count() == len(questions)


# --- Coordination: evidence of progress updates ----------------------------------------


def test_update_evidence_past_its_period_goes_with_its_files(
    coordination_world: CoordinationWorld, data_dir, django_capture_on_commit_callbacks
):
    world = coordination_world
    update = update_submit(
        user=world.member.user,
        period=world.q1,
        value="12",
        evidence=[
            ("taller.jpg", jpeg_with_gps("Cámara"), False),
            ("lista.jpg", jpeg_with_gps("Cámara"), False),
        ],
    )
    old, kept = UpdateEvidence.objects.filter(update=update).order_by("name")
    UpdateEvidence.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=1096)
    )
    assert f"coordination-evidence/{old.blob}" in files_under(data_dir)

    dry_run_changes_nothing(data_dir, "coordination_evidence", 1, UpdateEvidence)
    assert run("coordination_evidence", django_capture_on_commit_callbacks) == {
        "coordination_evidence": 1
    }

    gone(UpdateEvidence, old.pk)
    assert f"coordination-evidence/{old.blob}" not in files_under(data_dir)
    assert f"coordination-evidence/{kept.blob}" in files_under(data_dir)
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


# --- Notifications, sessions, kept import files -----------------------------------------


def test_notifications_past_their_period_go(
    orgs, agu_handler, data_dir, django_capture_on_commit_callbacks
):
    old = Notification.objects.create(
        user=agu_handler.user, kind="test", key="viejo", url="/staff/"
    )
    kept = Notification.objects.create(
        user=agu_handler.user, kind="test", key="nuevo", url="/staff/"
    )
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=181)
    )

    dry_run_changes_nothing(data_dir, "notifications", 1, Notification)
    assert run("notifications", django_capture_on_commit_callbacks) == {
        "notifications": 1
    }
    gone(Notification, old.pk)
    assert Notification.objects.filter(pk=kept.pk).exists()


def test_expired_sessions_go_with_the_wrapped_keys_they_hold(
    data_dir, django_capture_on_commit_callbacks
):
    def session(**data: Any) -> str:
        store = SessionStore()
        store.update(data)
        store.create()
        return str(store.session_key)

    old = session(marca="llave-envuelta-vieja")
    kept = session(marca="llave-envuelta-nueva")
    Session.objects.filter(pk=old).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )

    dry_run_changes_nothing(data_dir, "sessions", 1, Session)
    assert run("sessions", django_capture_on_commit_callbacks) == {"sessions": 1}
    gone(Session, old)
    assert Session.objects.filter(pk=kept).exists()


def test_files_kept_for_a_retry_go_a_week_after_the_import_failed(
    data_dir, django_capture_on_commit_callbacks
):
    def failed(days_ago: int, name: str) -> FacilityImport:
        row = FacilityImport.objects.create(
            file_name=name,
            file_sha256="0" * 64,
            status=ImportStatus.FAILED,
            finished_at=timezone.now() - timedelta(days=days_ago),
        )
        FacilityImportFile.objects.create(
            facility_import=row, data=f"nombre,contacto\n{name},Juana Pérez\n".encode()
        )
        return row

    old, kept = failed(8, "viejo.csv"), failed(6, "nuevo.csv")

    dry_run_changes_nothing(data_dir, "import_files", 1, FacilityImportFile)
    assert run("import_files", django_capture_on_commit_callbacks) == {
        "import_files": 1
    }
    assert not FacilityImportFile.objects.filter(pk=old.pk).exists()
    assert found_in(database_dump(), [b"viejo.csv,Juana"]) == []
    assert FacilityImportFile.objects.filter(pk=kept.pk).exists()
    # The import's record (counts, no content) stays
    assert FacilityImport.objects.filter(pk=old.pk).exists()


def test_finished_webhook_deliveries_go_with_their_attempts_after_30_days(
    orgs, data_dir, django_capture_on_commit_callbacks
):
    from remedia.integrations.models import (
        Attempt,
        Delivery,
        DeliveryStatus,
        Endpoint,
    )

    endpoint = Endpoint.objects.create(
        organisation=orgs.agu,
        url="https://hooks.example.org/remedia",
        event_types=["case.status_changed"],
        secret_wrapped=b"sealed",
    )

    def delivery(status: str, days_ago: int) -> Delivery:
        made = Delivery.objects.create(
            endpoint=endpoint,
            event_type="case.status_changed",
            event_key=f"{status}-{days_ago}",
            payload={"type": "case.status_changed"},
            status=status,
        )
        Attempt.objects.create(
            delivery=made, at=timezone.now(), status_code=200, latency_ms=12
        )
        Delivery.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        return made

    old = delivery(DeliveryStatus.SUCCEEDED, 31)
    failed = delivery(DeliveryStatus.FAILED, 40)
    pending = delivery(DeliveryStatus.PENDING, 40)  # still owed: stays
    recent = delivery(DeliveryStatus.SUCCEEDED, 29)

    dry_run_changes_nothing(data_dir, "webhook_logs", 2, Delivery, Attempt)
    assert run("webhook_logs", django_capture_on_commit_callbacks) == {
        "webhook_logs": 2
    }
    gone(Delivery, old.pk)
    gone(Delivery, failed.pk)
    assert not Attempt.objects.filter(delivery_id__in=[old.pk, failed.pk]).exists()
    assert set(Delivery.objects.values_list("pk", flat=True)) == {
        pending.pk,
        recent.pk,
    }
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()


# --- The whole run and the outlook ---------------------------------------------------------


def test_every_kind_with_personal_data_is_registered():
    from remedia.core.retention import retention_kinds

    assert {kind.name for kind in retention_kinds()} == {
        "reports",
        "cases",
        "victim_files",
        "remediation_evidence",
        "survey_answers",
        "coordination_evidence",
        "notifications",
        "sessions",
        "import_files",
        "rrm_documents",
        "screenings",
        "webhook_logs",
    }


def test_the_outlook_counts_what_goes_next_and_within_30_days(
    orgs, agu_handler, data_dir
):
    # Given one notification expired, one expiring in ten days, one fresh
    user = agu_handler.user
    for key, age in (("a", 200), ("b", 170), ("c", 1)):
        row = Notification.objects.create(user=user, kind="test", key=key)
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(days=age)
        )
    lines = {line.kind.name: line for line in retention_outlook()}
    notifications = lines["notifications"]
    assert notifications.days == 180
    assert notifications.due_next_run == 1
    assert notifications.due_30_days == 2
    assert notifications.next_destruction is not None
    assert notifications.next_destruction - timezone.now() <= timedelta(days=1)
    # After the run, the next destruction is the one ten days away
    retention_run(only="notifications")
    notifications = {line.kind.name: line for line in retention_outlook()}[
        "notifications"
    ]
    assert notifications.due_next_run == 0
    assert notifications.due_30_days == 1
    assert notifications.next_destruction is not None
    wait = notifications.next_destruction - timezone.now()
    assert timedelta(days=9) < wait <= timedelta(days=11)
    assert notifications.last_run == 1


def test_a_screening_left_without_report_case_or_file_goes_after_its_period(
    pending_screening, data_dir, django_capture_on_commit_callbacks
):
    from remedia.protection.models import Screening, ScreeningKeyGrant

    screening = pending_screening
    # While its report is there, it stays whatever its age
    Screening.objects.filter(pk=screening.pk).update(
        created_at=timezone.now() - timedelta(days=1826)
    )
    dry_run_changes_nothing(data_dir, "screenings", 0, Screening)
    # Once the report is gone (destroyed by its own retention), it goes
    Screening.objects.filter(pk=screening.pk).update(report=None, case=None)
    dry_run_changes_nothing(data_dir, "screenings", 1, Screening, ScreeningKeyGrant)
    assert run("screenings", django_capture_on_commit_callbacks) == {"screenings": 1}

    # (a pending screening holds no sealed answers yet; a conducted one's
    # grants point at it and go by the same cascade the victim files' test
    # looks for)
    gone(Screening, screening.pk)
