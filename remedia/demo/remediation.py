"""The INISA course of remediation in the demo (domain/remediation.md).

The course agreed on 2023-08-09 for the garment facility near Rincón de Romos,
Aguascalientes, with its seven measures and the deadline of 2023-11-10, as a
newcomer should find it part way through monitoring: the statement, the
guidelines, the policy, personnel training and the reporting line verified with
evidence; worker-rights training held but not yet verified (past the deadline,
so flagged); the sanctions proceeding still open. Workers have answered the
statement's survey (results shown) and the training survey (fewer than five
answers, so nothing shown). Everything goes through the same services as the
pages, so the demo obeys the rules the users do.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from PIL import Image, ImageDraw

from remedia.accounts.models import Organisation, User
from remedia.facilities.models import Facility
from remedia.remediation import sanctions, services, surveys
from remedia.remediation.catalogue import RRM_COURSE_MEASURES, entry_for
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    MeasureType,
    PartyRole,
    ResponseChannel,
    Survey,
)
from remedia.rrm.models import RrmCase
from remedia.training import services as training
from remedia.training.models import PersonnelRole, TrainingTopic

REFERENCE = "MLRR INISA 2023"
AGREED = dt.date(2023, 8, 9)
DEADLINE = dt.date(2023, 11, 10)

VERIFIED = RRM_COURSE_MEASURES[:5]

# Where each piece of evidence was posted or what it is (photos drawn here).
EVIDENCE = {
    MeasureType.NEUTRALITY_STATEMENT: [
        ("declaracion-comedor.png", "Declaración publicada en el comedor"),
        ("declaracion-entrada.png", "Declaración en el acceso de la planta"),
    ],
    MeasureType.CONDUCT_GUIDELINES: [
        ("lineamientos.png", "Lineamientos firmados por la dirección"),
    ],
    MeasureType.ZERO_TOLERANCE_POLICY: [
        ("politica-cero-tolerancia.png", "Política publicada en el tablero"),
    ],
    MeasureType.PERSONNEL_TRAINING: [
        ("lista-asistencia.png", "Lista de asistencia de la capacitación"),
    ],
    MeasureType.ANONYMOUS_REPORTING_CHANNEL: [
        ("cartel-linea.png", "Cartel con el teléfono y el correo para denunciar"),
    ],
    MeasureType.WORKER_RIGHTS_TRAINING: [
        ("taller-derechos.png", "Taller en la nave 2, en horario de trabajo"),
    ],
}

# The facility's personnel list: roles as the agreement counts them.
ROSTER = [
    *((f"D{n:02d}", f"Directivo {n}", PersonnelRole.MANAGEMENT) for n in range(1, 4)),
    *((f"S{n:02d}", f"Supervisora {n}", PersonnelRole.SUPERVISOR) for n in range(1, 7)),
    *(
        (f"R{n:02d}", f"Recursos humanos {n}", PersonnelRole.HUMAN_RESOURCES)
        for n in (1, 2)
    ),
    *((f"O{n:03d}", f"Operaria {n}", PersonnelRole.WORKER) for n in range(1, 41)),
    *(
        (f"U{n:02d}", f"Delegado sindical {n}", PersonnelRole.UNION_REPRESENTATIVE)
        for n in (1, 2, 3)
    ),
]


SESSION_TITLES = {
    TrainingTopic.NEUTRALITY_GUIDELINES: "Declaración de neutralidad y lineamientos",
    TrainingTopic.WORKER_RIGHTS: "Derechos de los trabajadores",
}


@dataclass(frozen=True)
class SeededCourse:
    course: Course
    survey_code: str


def _photo(caption: str) -> bytes:
    """A small picture of a posted notice (the demo's stand-in for a photo)."""
    image = Image.new("RGB", (480, 320), (244, 240, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 440, 290), outline=(107, 29, 58), width=6)
    draw.text((60, 60), "INISA", fill=(107, 29, 58))
    for line, text in enumerate(caption.split(" ")[:8]):
        draw.text((60, 100 + 20 * line), text, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_inisa_course(
    *, organisations: dict[str, Organisation], facilities: dict[str, Facility]
) -> SeededCourse | None:
    """Create the course once; None if it exists or its people are missing."""
    facility = facilities.get("demo-inisa")
    monitor = User.objects.filter(username="monitor").first()
    officer = User.objects.filter(username="facility").first()
    if facility is None or monitor is None or officer is None:
        return None
    if Course.objects.filter(facility=facility, reference=REFERENCE).exists():
        return None
    course = services.course_create(
        user=monitor,
        title="Curso de remediación INISA (MLRR 2023)",
        facility=facility,
        origin=CourseOrigin.RRM,
        rrm_case=RrmCase.objects.filter(slug="inisa").first(),
        reference=REFERENCE,
        summary=(
            "Acordado entre los gobiernos de México y de Estados Unidos tras la "
            "revisión del MLRR: siete medidas que la empresa y el gobierno deben "
            "cumplir a más tardar el 10 de noviembre de 2023."
        ),
        agreed_on=AGREED,
        deadline=DEADLINE,
        parties=[
            services.PartySpec(
                role=PartyRole.GOVERNMENT,
                name="Interagency Labor Committee",
                organisation=organisations["ilc"],
            ),
            services.PartySpec(
                role=PartyRole.COMPANY,
                name="Industrias del Interior (INISA)",
                organisation=organisations["inisa"],
            ),
            services.PartySpec(
                role=PartyRole.GOVERNMENT,
                name="Secretaría del Trabajo y Previsión Social",
            ),
        ],
        measures=[services.MeasureSpec(type=t) for t in RRM_COURSE_MEASURES],
    )
    measures = {m.type: m for m in course.measures.all()}

    for measure_type, items in EVIDENCE.items():
        measure = measures[measure_type]
        for name, description in items:
            evidence = services.evidence_submit(
                measure=measure,
                user=officer,
                name=name,
                data=_photo(description),
                description=description,
            )
            services.evidence_review(
                evidence=evidence, user=monitor, decision="accepted"
            )
        services.measure_status_change(measure=measure, user=officer, to_status="done")
    for verified in VERIFIED:
        services.measure_status_change(
            measure=measures[verified], user=monitor, to_status="verified"
        )
    services.measure_note_add(
        measure=measures[MeasureType.WORKER_RIGHTS_TRAINING],
        user=monitor,
        body=(
            "Faltan dos supervisoras por tomar el taller en horario de trabajo; "
            "pedir la lista del turno nocturno antes de verificar."
        ),
    )

    _seed_training(course=course, monitor=monitor, facility=facility)

    services.measure_status_change(
        measure=measures[MeasureType.SANCTIONS_PROCEEDINGS],
        user=monitor,
        to_status="in_progress",
    )
    sanctions.sanction_create(
        user=monitor,
        course=course,
        measure=measures[MeasureType.SANCTIONS_PROCEEDINGS],
        respondent_kind="labour_organisation",
        respondent_name="Sindicato titular del contrato colectivo anterior",
        authority="Centro Federal de Conciliación y Registro Laboral",
        number="CFCRL/AGS/2023/0412",
        opened_on=dt.date(2023, 9, 18),
        status="in_progress",
    )

    statement = surveys.survey_open(
        user=monitor, measure=measures[MeasureType.NEUTRALITY_STATEMENT]
    )
    _answers(statement, [("yes", "yes")] * 9 + [("yes", "no")] * 3 + [("no", "no")])
    # Still collecting answers, for five more days (the monitor's home counts it).
    workshop = surveys.survey_open(
        user=monitor,
        measure=measures[MeasureType.WORKER_RIGHTS_TRAINING],
        closes_on=timezone.localdate() + dt.timedelta(days=5),
    )
    _answers(workshop, [("yes", "yes"), ("no", "yes"), ("yes", "unsure")])
    return SeededCourse(course=course, survey_code=statement.code)


def _answers(survey: Survey, rows: Sequence[tuple[str, ...]]) -> None:
    questions = surveys.survey_questions(survey)
    for values in rows:
        surveys.survey_answer(
            survey=survey,
            respondent_token=secrets.token_urlsafe(24),
            channel=ResponseChannel.WEB,
            answers={q.pk: values[i % len(values)] for i, q in enumerate(questions)},
        )


def _seed_training(*, course: Course, monitor: User, facility: Facility) -> None:
    lines = ["numero,nombre,papel"] + [f"{i},{n},{r.value}" for i, n, r in ROSTER]
    training.roster_import(
        user=monitor,
        facility=facility,
        file=io.BytesIO("\n".join(lines).encode()),
    )
    everyone = [identifier for identifier, _name, _role in ROSTER]
    # Each session counts for the course's measure on its topic.
    measure_of = {
        entry_for(m.type).training_topic: m
        for m in course.measures.all()
        if entry_for(m.type).training_topic
    }
    for topic, held_on, during, who in (
        # Neutrality and guidelines: everyone, over two sessions.
        (TrainingTopic.NEUTRALITY_GUIDELINES, dt.date(2023, 9, 5), True, everyone[:30]),
        (
            TrainingTopic.NEUTRALITY_GUIDELINES,
            dt.date(2023, 9, 12),
            True,
            everyone[30:],
        ),
        # Worker rights: all but two supervisors, in working hours.
        (
            TrainingTopic.WORKER_RIGHTS,
            dt.date(2023, 10, 3),
            True,
            [i for i in everyone if i not in ("S05", "S06")],
        ),
    ):
        session = training.training_session_create(
            user=monitor,
            facility=facility,
            course=course,
            measure=measure_of.get(topic),
            topic=topic,
            title=SESSION_TITLES[topic],
            held_on=held_on,
            starts_at=dt.time(9, 0),
            ends_at=dt.time(11, 0),
            during_working_hours=during,
            trainer="Secretaría del Trabajo y Previsión Social",
            location="Comedor de la planta",
        )
        training.attendance_record(user=monitor, session=session, identifiers=who)
