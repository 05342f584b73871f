"""Courses of remediation, carried out and verified to the end.

A ``Course`` is agreed for one facility with a deadline; its origin is an RRM
case, a Remedia case, a labour inspection or a brand's corrective action plan.
It is owned by one organisation (usually the monitor's) and shared with the
organisations named as its ``CourseParty`` rows: each reads it with the
capabilities its members' roles bring (``access.py``), and the party with the
company role is where facility compliance officers upload ``Evidence``.

Each ``Measure`` (catalogue in ``domain/remediation.md``, ``catalogue.py``) has
a responsible party, a due date, the evidence a monitor asks for and a status
(``MEASURE_TRANSITIONS``); it is verified only with accepted evidence. Every
change to a measure, its evidence or its notes writes a ``MeasureEvent``
(``events.py``), its timeline.

Workers confirm measures through a ``Survey``: a short code posted at the
facility opens it, answers are anonymous (a keyed hash per browser or phone
number refuses a second answer, never the number itself) and results show only
from ``core.figures.SMALL_COUNT`` answers. Training sessions (the
``training`` app) count for a course's training measure through
``CourseTrainingSession``; ``SanctionProceeding`` rows follow proceedings against individuals, labour
organisations or companies.

Nothing here is reporter data: no model refers to a report, and evidence is
never linked to one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel


class CourseOrigin(models.TextChoices):
    RRM = "rrm", _("Mecanismo Laboral de Respuesta Rápida")
    CASE = "case", _("Caso en Remedia")
    INSPECTION = "inspection", _("Inspección laboral")
    BRAND = "brand", _("Plan de acción correctiva de una marca")
    OTHER = "other", _("Otro origen")


class CourseStatus(models.TextChoices):
    ACTIVE = "active", _("En curso")
    COMPLETED = "completed", _("Cumplido")
    INCOMPLETE = "incomplete", _("Cerrado sin cumplirse")


class Course(BaseModel):
    """A course of remediation for one facility, with its measures."""

    title = models.CharField(
        _("título"), max_length=200, help_text=_("Nombre corto del plan.")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="remediation_courses",
        verbose_name=_("organización responsable del seguimiento"),
        help_text=_("Organización que lleva el plan en Remedia."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.PROTECT,
        related_name="remediation_courses",
        verbose_name=_("centro de trabajo"),
        help_text=_("Centro de trabajo donde se cumple el plan."),
    )
    origin = models.CharField(
        _("origen"),
        max_length=16,
        choices=CourseOrigin.choices,
        help_text=_("De dónde viene el plan."),
    )
    rrm_case = models.ForeignKey(
        "rrm.RrmCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remediation_courses",
        verbose_name=_("caso del MLRR"),
        help_text=_("Caso del Mecanismo del que resulta el plan, si lo hay."),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remediation_courses",
        verbose_name=_("caso"),
        help_text=_("Caso de Remedia del que resulta el plan, si lo hay."),
    )
    reference = models.CharField(
        _("referencia"),
        max_length=120,
        blank=True,
        help_text=_("Número de inspección, del plan de la marca u otra referencia."),
    )
    summary = models.TextField(
        _("resumen"),
        blank=True,
        help_text=_("Qué se acordó y por qué; sin datos de quien denunció."),
    )
    agreed_on = models.DateField(
        _("fecha del acuerdo"), null=True, blank=True, help_text=_("Cuándo se acordó.")
    )
    deadline = models.DateField(
        _("fecha límite"), help_text=_("Fecha en que todo debe estar cumplido.")
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=CourseStatus.choices,
        default=CourseStatus.ACTIVE,
        db_index=True,
    )
    closed_on = models.DateField(
        _("fecha de cierre"), null=True, blank=True, help_text=_("Cuándo se cerró.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["deadline", "created_at"]
        verbose_name = _("plan de remediación")
        verbose_name_plural = _("planes de remediación")
        constraints = [
            models.CheckConstraint(
                condition=Q(agreed_on__isnull=True) | Q(deadline__gte=F("agreed_on")),
                name="remediation_course_deadline_after_agreement",
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_on__isnull=True)
                | (~Q(status="active") & Q(closed_on__isnull=False)),
                name="remediation_course_closed_on_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PartyRole(models.TextChoices):
    MONITOR = "monitor", _("Monitoreo")
    GOVERNMENT = "government", _("Gobierno")
    COMPANY = "company", _("Empresa")
    UNION = "union", _("Sindicato")
    BRAND = "brand", _("Marca")
    OTHER = "other", _("Otra parte")


class CourseParty(BaseModel):
    """A party to a course; one that is an organisation in Remedia shares it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remediation_parties",
        verbose_name=_("organización en Remedia"),
        help_text=_("Vacío si la parte no usa Remedia."),
    )
    name = models.CharField(
        _("nombre"), max_length=200, help_text=_("Nombre de la parte.")
    )
    role = models.CharField(
        _("papel"), max_length=16, choices=PartyRole.choices, help_text=_("Su papel.")
    )

    class Meta:
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "organisation"],
                condition=Q(organisation__isnull=False),
                name="remediation_party_once_per_course",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MeasureType(models.TextChoices):
    """The catalogue of domain/remediation.md, then types seen in later courses."""

    NEUTRALITY_STATEMENT = "neutrality_statement", _("Declaración de neutralidad")
    CONDUCT_GUIDELINES = "conduct_guidelines", _("Lineamientos de conducta")
    ZERO_TOLERANCE_POLICY = "zero_tolerance_policy", _("Política de cero tolerancia")
    PERSONNEL_TRAINING = "personnel_training", _("Capacitación de todo el personal")
    ANONYMOUS_REPORTING_CHANNEL = (
        "anonymous_reporting_channel",
        _("Línea o correo para denuncias anónimas"),
    )
    WORKER_RIGHTS_TRAINING = (
        "worker_rights_training",
        _("Capacitación en derechos de los trabajadores"),
    )
    SANCTIONS_PROCEEDINGS = "sanctions_proceedings", _("Procedimientos de sanción")
    REINSTATEMENT = "reinstatement", _("Reinstalación con salarios caídos")
    UNION_VOTE = "union_vote", _("Votación libre y secreta observada")
    GOOD_FAITH_BARGAINING = "good_faith_bargaining", _("Negociación de buena fe")
    WAGE_PAYMENT = "wage_payment", _("Pago de salarios o utilidades adeudados")
    UNION_REMOVAL = "union_removal", _("Retiro del sindicato no elegido")
    OTHER = "other", _("Otra medida")


class ResponsibleParty(models.TextChoices):
    COMPANY = "company", _("Empresa")
    GOVERNMENT = "government", _("Gobierno")
    UNION = "union", _("Sindicato")


class MeasureStatus(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    IN_PROGRESS = "in_progress", _("En proceso")
    DONE = "done", _("Hecha")
    VERIFIED = "verified", _("Verificada")
    FAILED = "failed", _("Incumplida")


# Which status may follow which; anything else is refused. "Verified" and
# "failed" are the monitor's word; a failed measure may be taken up again.
MEASURE_TRANSITIONS: dict[str, frozenset[str]] = {
    MeasureStatus.PENDING: frozenset(
        {MeasureStatus.IN_PROGRESS, MeasureStatus.DONE, MeasureStatus.FAILED}
    ),
    MeasureStatus.IN_PROGRESS: frozenset(
        {MeasureStatus.PENDING, MeasureStatus.DONE, MeasureStatus.FAILED}
    ),
    MeasureStatus.DONE: frozenset(
        {MeasureStatus.IN_PROGRESS, MeasureStatus.VERIFIED, MeasureStatus.FAILED}
    ),
    MeasureStatus.VERIFIED: frozenset({MeasureStatus.IN_PROGRESS}),
    MeasureStatus.FAILED: frozenset({MeasureStatus.IN_PROGRESS}),
}


class Measure(BaseModel):
    """One measure of a course: who does what by when, and how it is shown."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="measures"
    )
    position = models.PositiveSmallIntegerField(
        _("orden"), help_text=_("Lugar de la medida en el plan, desde 1.")
    )
    type = models.CharField(
        _("tipo"), max_length=32, choices=MeasureType.choices, db_index=True
    )
    description = models.TextField(
        _("descripción"), help_text=_("Qué debe hacerse, en palabras del acuerdo.")
    )
    responsible_party = models.CharField(
        _("responsable"), max_length=16, choices=ResponsibleParty.choices
    )
    due_date = models.DateField(
        _("fecha límite"), help_text=_("Por omisión, la del plan.")
    )
    required_evidence = models.TextField(
        _("evidencia requerida"),
        blank=True,
        help_text=_("Qué evidencia pide el monitoreo para verificarla."),
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=MeasureStatus.choices,
        default=MeasureStatus.PENDING,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo cambió de estado por última vez.")
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    failed_reason = models.TextField(
        _("motivo del incumplimiento"),
        blank=True,
        help_text=_("Por qué no se cumplió."),
    )

    class Meta:
        ordering = ["course", "position"]
        verbose_name = _("medida")
        verbose_name_plural = _("medidas")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "position"], name="remediation_measure_position"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failed_reason=""),
                name="remediation_measure_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_type_display()}"


class MeasureNote(BaseModel):
    """A monitor's note on a measure; read by the course's parties, not officers."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("nota"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]


class EvidenceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Por revisar")
    ACCEPTED = "accepted", _("Aceptada")
    REJECTED = "rejected", _("Rechazada")


class Evidence(BaseModel):
    """A file that shows a measure was carried out (photo, document, roster).

    Like a petition's documents, evidence is not reporter data: it is stored
    unencrypted under ``DATA_DIR/remediation-evidence`` after the metadata
    stripping of ``intake.attachments.clean`` (a photo's GPS position and
    camera go), never in a public directory, and it refers to no report.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="evidence"
    )
    description = models.CharField(
        _("descripción"),
        max_length=300,
        blank=True,
        help_text=_("Qué muestra y dónde, p. ej. «Comedor, junto al reloj checador»."),
    )
    name = models.CharField(max_length=200, help_text=_("Nombre del archivo."))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text=_("Tamaño en bytes, ya limpio."))
    blob = models.CharField(max_length=64, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.SUBMITTED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(
        _("motivo"), blank=True, help_text=_("Por qué se rechazó, para quien la subió.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidencia")
        verbose_name_plural = _("evidencias")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_reason=""),
                name="remediation_evidence_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MeasureEventKind(models.TextChoices):
    CREATED = "created", _("Medida agregada")
    UPDATED = "updated", _("Medida modificada")
    STATUS_CHANGED = "status_changed", _("Cambio de estado")
    NOTE_ADDED = "note_added", _("Nota del monitoreo")
    EVIDENCE_SUBMITTED = "evidence_submitted", _("Evidencia recibida")
    EVIDENCE_REVIEWED = "evidence_reviewed", _("Evidencia revisada")


class MeasureEvent(models.Model):
    """One line of a measure's timeline, written by ``events.py``.

    ``data`` holds statuses, field names and ids only: never a note's text, a
    reason for failing or rejecting, or an evidence file's name or contents.
    """

    id = models.UUIDField(
        primary_key=True,
        default=uuid.uuid4,
        editable=False,
        help_text=_("Identificador estable que aparece en URL y en la API."),
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=_("Medida a la que pertenece el evento."),
    )
    kind = models.CharField(
        max_length=32, choices=MeasureEventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo hizo; vacío si fue el sistema."),
    )
    data = models.JSONField(
        default=dict, blank=True, help_text=_("Detalles sin texto sensible.")
    )
    created_at = models.DateTimeField(default=timezone.now, help_text=_("Cuándo pasó."))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evento de la medida")
        verbose_name_plural = _("eventos de la medida")
        indexes = [
            models.Index(
                fields=["measure", "created_at"], name="remediation_measure_event_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.kind}"


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("Abierta")
    CLOSED = "closed", _("Cerrada")


class Survey(BaseModel):
    """Questions that let workers say whether a measure is real."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="surveys"
    )
    code = models.CharField(
        _("código"),
        max_length=12,
        unique=True,
        help_text=_("Código corto que se publica en el centro de trabajo."),
    )
    status = models.CharField(
        _("estado"),
        max_length=8,
        choices=SurveyStatus.choices,
        default=SurveyStatus.OPEN,
        db_index=True,
    )
    closes_on = models.DateField(
        _("cierra el"), null=True, blank=True, help_text=_("Último día para responder.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("encuesta de verificación")
        verbose_name_plural = _("encuestas de verificación")

    def __str__(self) -> str:
        return self.code


class SurveyQuestion(BaseModel):
    """A question answered yes, no or not sure (a key press by SMS)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(
        _("pregunta"), max_length=300, help_text=_("En español, como se publica.")
    )
    text_en = models.CharField(_("pregunta en inglés"), max_length=300, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="remediation_question_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class Answer(models.TextChoices):
    YES = "yes", _("Sí")
    NO = "no", _("No")
    UNSURE = "unsure", _("No sé")


class ResponseChannel(models.TextChoices):
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")


class SurveyResponse(models.Model):
    """One worker's answers. No timestamp finer than the day, no network data.

    ``respondent`` is a keyed hash (HMAC under the secret key) of the survey and
    a random token kept in the worker's browser, or of the phone number that
    answered by SMS: it refuses a second answer and can be turned back into
    nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    respondent = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=ResponseChannel.choices)
    answered_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], name="remediation_one_answer_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.answered_on:%Y-%m-%d}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.CharField(max_length=8, choices=Answer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="remediation_answer_once"
            )
        ]

    def __str__(self) -> str:
        return self.value


class CourseTrainingSession(models.Model):
    """A training session (``training`` app) held for a course of remediation,
    and the training measure it counts for.

    The link belongs to remediation, not to the session: ``training`` sits
    below ``remediation`` and must not know courses. A session with no row
    here counts for its roster's coverage only.
    """

    session = models.OneToOneField(
        "training.TrainingSession",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="course_link",
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="training_links",
        help_text=_("Plan de remediación para el que se impartió la sesión."),
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_links",
        help_text=_("Medida de capacitación que la sesión cumple."),
    )

    def __str__(self) -> str:
        return f"{self.session_id}:{self.course_id}"


class RespondentKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Persona")
    LABOUR_ORGANISATION = "labour_organisation", _("Organización sindical")
    COMPANY = "company", _("Empresa")


class SanctionStatus(models.TextChoices):
    INITIATED = "initiated", _("Iniciado")
    IN_PROGRESS = "in_progress", _("En trámite")
    RESOLVED = "resolved", _("Resuelto")
    APPEALED = "appealed", _("Impugnado")
    CLOSED = "closed", _("Concluido")


class SanctionOutcome(models.TextChoices):
    SANCTIONED = "sanctioned", _("Sancionado")
    DISMISSED = "dismissed", _("Sin sanción")
    SETTLED = "settled", _("Concluido por convenio")
    WITHDRAWN = "withdrawn", _("Desistimiento")


class SanctionProceeding(BaseModel):
    """A proceeding under Mexican law against whoever violated workers' rights."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="sanction_proceedings",
        help_text=_("Organización que le da seguimiento."),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sanctions",
        verbose_name=_("plan de remediación"),
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sanctions",
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sanction_proceedings",
        verbose_name=_("caso"),
    )
    rrm_case = models.ForeignKey(
        "rrm.RrmCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sanction_proceedings",
        verbose_name=_("caso del MLRR"),
    )
    respondent_kind = models.CharField(
        _("contra"), max_length=24, choices=RespondentKind.choices
    )
    respondent_name = models.CharField(_("nombre de quien responde"), max_length=200)
    authority = models.CharField(
        _("autoridad"),
        max_length=200,
        help_text=_("P. ej. Centro Federal de Conciliación y Registro Laboral."),
    )
    number = models.CharField(_("número de expediente"), max_length=80)
    opened_on = models.DateField(_("fecha de inicio"))
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=SanctionStatus.choices,
        default=SanctionStatus.INITIATED,
        db_index=True,
    )
    outcome = models.CharField(
        _("resultado"), max_length=16, choices=SanctionOutcome.choices, blank=True
    )
    outcome_detail = models.TextField(
        _("detalle del resultado"),
        blank=True,
        help_text=_("La sanción impuesta o por qué no la hubo."),
    )
    closed_on = models.DateField(_("fecha de conclusión"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "number"]
        verbose_name = _("procedimiento de sanción")
        verbose_name_plural = _("procedimientos de sanción")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "number"], name="remediation_sanction_number"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="remediation_sanction_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_on__isnull=False),
                name="remediation_sanction_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority} {self.number}"
