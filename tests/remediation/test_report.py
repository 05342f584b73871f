"""The course's status report as a PDF: what it shows, in which language, to whom."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import pytest
from pypdf import PdfReader

from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound
from remedia.remediation import report, services, surveys
from remedia.remediation.models import (
    CourseTrainingSession,
    MeasureType,
    ResponseChannel,
    SanctionProceeding,
)
from remedia.training.models import (
    Attendance,
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)
from tests.intake.support import jpeg_with_gps
from tests.support.remediation import World

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _answer(survey, times: int) -> None:
    questions = surveys.survey_questions(survey)
    for _ in range(times):
        surveys.survey_answer(
            survey=survey,
            respondent_token=secrets.token_urlsafe(24),
            channel=ResponseChannel.WEB,
            answers={q.pk: "yes" for q in questions},
        )


@pytest.fixture
def filled(world: World, course, data_dir):  # noqa: F811
    """The INISA course with one verified measure, two surveys (5 and 4 answers),
    a trained half of a roster and a sanctions proceeding."""
    measures = {m.type: m for m in course.measures.all()}
    statement = measures[MeasureType.NEUTRALITY_STATEMENT]
    evidence = services.evidence_submit(
        measure=statement,
        user=world.officer.user,
        name="declaracion-comedor.jpg",
        data=jpeg_with_gps("Pruebas"),
        description="Comedor, junto al reloj checador",
    )
    services.evidence_review(
        evidence=evidence, user=world.monitor.user, decision="accepted"
    )
    services.measure_status_change(
        measure=statement, user=world.monitor.user, to_status="done"
    )
    services.measure_status_change(
        measure=statement, user=world.monitor.user, to_status="verified"
    )
    _answer(surveys.survey_open(user=world.monitor.user, measure=statement), 5)
    guidelines = measures[MeasureType.CONDUCT_GUIDELINES]
    _answer(surveys.survey_open(user=world.monitor.user, measure=guidelines), 4)

    people = [
        Person.objects.create(
            facility=world.facility,
            identifier=f"E{n}",
            name=f"Persona {n}",
            role=PersonnelRole.WORKER,
        )
        for n in range(4)
    ]
    session = TrainingSession.objects.create(
        organisation=world.monitor_org,
        facility=world.facility,
        topic=TrainingTopic.NEUTRALITY_GUIDELINES,
        held_on=dt.date(2023, 9, 1),
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        during_working_hours=True,
        trainer="STPS",
        audience_roles=[PersonnelRole.WORKER],
    )
    CourseTrainingSession.objects.create(session=session, course=course)
    Attendance.objects.bulk_create(
        [Attendance(session=session, person=p) for p in people[:2]]
    )
    SanctionProceeding.objects.create(
        organisation=world.monitor_org,
        course=course,
        respondent_kind="individual",
        respondent_name="Gerente de planta",
        authority="Centro Federal de Conciliación y Registro Laboral",
        number="CFCRL/2023/118",
        opened_on=dt.date(2023, 9, 15),
    )
    return course


def test_the_spanish_report_reflects_measures_evidence_surveys_training_sanctions(
    world: World, filled
):
    pdf = report.course_report_pdf(
        user=world.monitor.user, course=filled, language="es"
    )
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Informe del plan de remediación" in text
    assert "1 de 7 medidas verificadas" in text
    assert "Declaración de neutralidad" in text
    assert "Verificada" in text
    assert "declaracion-comedor.jpg" in text
    assert "5 respuestas" in text
    # The second survey has four answers: none of its counts is shown.
    assert "menos de 5 respuestas" in text
    assert "4 respuestas" not in text
    # Two of the four workers on the roster were trained: 50 %, not complete.
    assert "50.0" in text
    assert "CFCRL/2023/118" in text
    assert AuditEntry.objects.filter(
        action="remediation.report_generated", object_id=str(filled.pk)
    ).exists()


def test_the_english_report(world: World, filled):
    text = _text(
        report.course_report_pdf(user=world.analyst.user, course=filled, language="en")
    )
    assert "Remediation plan report" in text
    assert "1 of 7 measures verified" in text
    assert "Neutrality statement" in text
    assert "Informe del plan" not in text


def test_only_readers_of_the_whole_course_get_it(world: World, filled):
    # The officer reads measures, not surveys and notes; a stranger nothing.
    for staff in (world.officer, world.stranger):
        with pytest.raises(NotFound):
            report.course_report_pdf(user=staff.user, course=filled, language="es")


def test_a_language_other_than_spanish_or_english_is_refused():
    assert report.report_language("EN") == "en"
    assert report.report_language(None) == "es"
    with pytest.raises(InvalidInput) as caught:
        report.report_language("fr")
    assert caught.value.errors[0]["field"] == "lang"


def test_the_report_over_http_and_the_api(
    client, world: World, filled, log_in_verified
):
    from tests.support.factories.accounts import totp_device

    totp_device(world.monitor.user)
    assert log_in_verified(world.monitor.user).status_code == 302
    page = client.get(f"/staff/remediation/{filled.pk}/")
    assert f"/staff/remediation/{filled.pk}/report.pdf?lang=en" in page.content.decode()
    response = client.get(f"/staff/remediation/{filled.pk}/report.pdf?lang=es")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    bad = client.get(f"/staff/remediation/{filled.pk}/report.pdf?lang=xx")
    assert bad.status_code == 302  # back to the course with the reason

    api = client.get(
        f"/api/v1/remediation/plans/{filled.pk}/report.pdf?lang=en",
        headers=world.analyst.headers,
    )
    assert api.status_code == 200
    assert api.content.startswith(b"%PDF-")
    refused = client.get(
        f"/api/v1/remediation/plans/{filled.pk}/report.pdf?lang=xx",
        headers=world.analyst.headers,
    )
    assert refused.status_code == 422
    hidden = client.get(
        f"/api/v1/remediation/plans/{filled.pk}/report.pdf",
        headers=world.stranger.headers,
    )
    assert hidden.status_code == 404
