"""Cases: reports merged into one piece of work, with clocks, tasks and a timeline.

A case belongs to one organisation and is read by that organisation's case
handlers. What staff write about a case (notes, documents) is sealed to the
case's own public key, like a report's content; what triage and statistics
need (status, severity, categories, facility, dates, due times) stays in plain
columns. Task titles are plain text (listed across cases, never emailed): they
name work to do, never a person (the form says so).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.core.sealed import (
    SealedDocument,
    SealedKeyGrant,
    SealedNote,
    grant_constraints,
)
from remedia.facilities.models import Facility
from remedia.intake.models import CategoryRow, Report


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Abierto")
    INVESTIGATING = "investigating", _("En investigación")
    AWAITING_RESPONSE = "awaiting_response", _("Esperando respuesta de quien denuncia")
    REFERRED = "referred", _("Canalizado")
    ESCALATED = "escalated", _("Escalado")
    RESOLVED = "resolved", _("Resuelto")
    CLOSED = "closed", _("Cerrado")


# The workflow: which status may follow which. Reopening (resolved or closed
# back to investigating, or to open by a retaliation answer) is allowed;
# closing needs a reason (enforced in the service and by a constraint).
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.OPEN: frozenset(
        {
            CaseStatus.INVESTIGATING,
            CaseStatus.AWAITING_RESPONSE,
            CaseStatus.REFERRED,
            CaseStatus.ESCALATED,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        }
    ),
    CaseStatus.INVESTIGATING: frozenset(
        {
            CaseStatus.AWAITING_RESPONSE,
            CaseStatus.REFERRED,
            CaseStatus.ESCALATED,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        }
    ),
    CaseStatus.AWAITING_RESPONSE: frozenset(
        {
            CaseStatus.INVESTIGATING,
            CaseStatus.REFERRED,
            CaseStatus.ESCALATED,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        }
    ),
    CaseStatus.REFERRED: frozenset(
        {
            CaseStatus.INVESTIGATING,
            CaseStatus.AWAITING_RESPONSE,
            CaseStatus.ESCALATED,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        }
    ),
    CaseStatus.ESCALATED: frozenset(
        {
            CaseStatus.INVESTIGATING,
            CaseStatus.AWAITING_RESPONSE,
            CaseStatus.REFERRED,
            CaseStatus.RESOLVED,
            CaseStatus.CLOSED,
        }
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.INVESTIGATING}),
    CaseStatus.CLOSED: frozenset({CaseStatus.INVESTIGATING, CaseStatus.OPEN}),
}

# Statuses in which the case is still being worked (clocks run, reminders go).
ACTIVE_STATUSES = frozenset(
    {
        CaseStatus.OPEN,
        CaseStatus.INVESTIGATING,
        CaseStatus.AWAITING_RESPONSE,
        CaseStatus.REFERRED,
        CaseStatus.ESCALATED,
    }
)


class ClosureReason(models.TextChoices):
    REMEDIED = "remedied", _("Resuelto: hubo remedio")
    UNFOUNDED = "unfounded", _("Sin fundamento tras la investigación")
    INSUFFICIENT = "insufficient", _("Información insuficiente para actuar")
    DUPLICATE = "duplicate", _("Duplicado de otro caso")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Atendido por otra instancia")
    WITHDRAWN = "withdrawn", _("Quien denuncia desistió")
    NO_CONTACT = "no_contact", _("Sin respuesta de quien denuncia")
    OTHER = "other", _("Otro motivo")


class Severity(models.TextChoices):
    LOW = "low", _("Baja")
    MEDIUM = "medium", _("Media")
    HIGH = "high", _("Alta")
    CRITICAL = "critical", _("Crítica")


class SlaPolicy(BaseModel):
    """An organisation's targets for one urgency; defaults in `sla.DEFAULT_TARGETS`."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        verbose_name=_("organización"),
        help_text=_("Organización a la que se aplican los plazos."),
    )
    urgent = models.BooleanField(
        _("urgente"),
        help_text=_("Plazos para casos urgentes (trabajo infantil, forzoso o trata)."),
    )
    acknowledge_hours = models.PositiveIntegerField(
        _("acuse (horas)"), help_text=_("Horas para acusar recibo.")
    )
    first_response_hours = models.PositiveIntegerField(
        _("primera respuesta (horas)"),
        help_text=_("Horas para dar la primera respuesta a quien denuncia."),
    )
    resolution_days = models.PositiveIntegerField(
        _("resolución (días)"), help_text=_("Días para resolver el caso.")
    )

    class Meta:
        verbose_name = _("plazos de atención")
        verbose_name_plural = _("plazos de atención")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "urgent"], name="sla_policy_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledge_hours__gt=0)
                & models.Q(first_response_hours__gt=0)
                & models.Q(resolution_days__gt=0),
                name="sla_policy_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {'urgent' if self.urgent else 'normal'}"


class CaseNumber(models.Model):
    """The last human number given in a year (one row per year, locked to count)."""

    year = models.PositiveSmallIntegerField(primary_key=True, help_text=_("Año."))
    last = models.PositiveIntegerField(default=0, help_text=_("Último número dado."))

    class Meta:
        verbose_name = _("numeración de casos")
        verbose_name_plural = _("numeración de casos")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(BaseModel):
    number = models.CharField(
        _("número"),
        max_length=16,
        unique=True,
        help_text=_("Número para personas, p. ej. 2026-00042."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("organización"),
        help_text=_("Organización dueña del caso; solo su personal lo ve."),
    )
    status = models.CharField(
        _("estado"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.OPEN,
        help_text=_("Etapa del caso."),
    )
    closure_reason = models.CharField(
        _("motivo de cierre"),
        max_length=24,
        choices=ClosureReason.choices,
        blank=True,
        help_text=_("Obligatorio al cerrar."),
    )
    severity = models.CharField(
        _("gravedad"),
        max_length=10,
        choices=Severity.choices,
        default=Severity.MEDIUM,
        help_text=_("Valoración del personal."),
    )
    urgent = models.BooleanField(
        _("urgente"),
        default=False,
        help_text=_("Trabajo infantil, forzoso o trata, o represalia tras el cierre."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("centro de trabajo"),
        help_text=_("Centro del padrón al que se refiere el caso."),
    )
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("responsable"),
        help_text=_("Quien lleva el caso."),
    )
    opened_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien abrió el caso."),
    )
    public_key = models.BinaryField(help_text=_("Llave pública del caso."))
    retaliation_checkins = models.BooleanField(
        _("preguntar por represalias"),
        default=True,
        help_text=_("Al cerrar, preguntar a quienes denunciaron a los 30 y 90 días."),
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Crece con cada cambio; detecta ediciones cruzadas.")
    )

    # The clocks. `received_at` is when the first report arrived.
    received_at = models.DateTimeField(help_text=_("Llegada de la primera denuncia."))
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Primer acuse de recibo.")
    )
    first_response_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Primer mensaje del personal a quien denunció."),
    )
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se resolvió.")
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se cerró.")
    )
    acknowledge_due_at = models.DateTimeField(help_text=_("Plazo del acuse."))
    first_response_due_at = models.DateTimeField(
        help_text=_("Plazo de la primera respuesta.")
    )
    resolution_due_at = models.DateTimeField(help_text=_("Plazo de resolución."))
    paused_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Desde cuándo esperan a quien denuncia (relojes en pausa)."),
    )
    paused_seconds = models.PositiveIntegerField(
        default=0, help_text=_("Segundos acumulados en pausa.")
    )
    next_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("El plazo pendiente más próximo; vacío en pausa o sin pendientes."),
    )
    acknowledge_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Tiempo neto hasta el acuse.")
    )
    first_response_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Tiempo neto hasta la primera respuesta.")
    )
    resolution_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Tiempo neto hasta la resolución.")
    )

    class Meta:
        ordering = ["-urgent", "next_due_at", "-created_at"]
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        indexes = [
            # The list's order within an organisation, so a page is read off
            # the index instead of sorting every case. (Ascending puts nulls
            # last on PostgreSQL, as the list orders; SQLite refuses the
            # explicit NULLS LAST in an index.)
            models.Index(
                models.F("organisation"),
                models.F("urgent").desc(),
                models.F("next_due_at").asc(),
                models.F("created_at").desc(),
                models.F("id"),
                name="case_org_list",
            ),
            models.Index(
                fields=["organisation", "status", "-urgent", "next_due_at"],
                name="case_org_queue",
            ),
            models.Index(fields=["organisation", "next_due_at"], name="case_org_due"),
            models.Index(fields=["assignee", "status"], name="case_assignee"),
            models.Index(fields=["facility", "status"], name="case_facility"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(closure_reason=""),
                name="case_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:detail", kwargs={"case_id": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CaseCategory(CategoryRow):
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="category_rows",
        help_text=_("Caso."),
    )

    class Meta:
        verbose_name = _("categoría de caso")
        verbose_name_plural = _("categorías de caso")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code"], name="case_category_unique"
            )
        ]


class CaseReport(BaseModel):
    """A report merged into a case. A report joins at most one case per organisation."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="links", help_text=_("Caso.")
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="case_links",
        help_text=_("Denuncia."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("La del caso; repetida aquí para la restricción de unicidad."),
    )
    added_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien la unió al caso."),
    )

    class Meta:
        verbose_name = _("denuncia del caso")
        verbose_name_plural = _("denuncias del caso")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "organisation"], name="case_report_one_per_org"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "report"])]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.report_id}"


class CaseKeyGrant(SealedKeyGrant):
    """The case's private key sealed to one handler's or the escrow public key."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="key_grants", help_text=_("Caso.")
    )

    class Meta:
        verbose_name = _("acceso cifrado al caso")
        verbose_name_plural = _("accesos cifrados a casos")
        constraints = grant_constraints(
            owner="case",
            user_name="case_grant_user",
            escrow_name="case_grant_escrow",
            xor_name="case_grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.case_id}"


class CaseNote(BaseModel, SealedNote):
    """A note internal to staff: never shown to a reporter; sealed to the case key."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", help_text=_("Caso.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("nota interna")
        verbose_name_plural = _("notas internas")

    def __str__(self) -> str:
        return f"note {self.case_id} · {self.created_at:%Y-%m-%d}"


class CaseTask(BaseModel):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="tasks", help_text=_("Caso.")
    )
    title = models.CharField(
        _("tarea"),
        max_length=200,
        help_text=_("Qué hay que hacer; sin datos que identifiquen a quien denuncia."),
    )
    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="case_tasks",
        verbose_name=_("responsable"),
        help_text=_("Quien debe hacerla."),
    )
    due_on = models.DateField(_("fecha límite"), help_text=_("Día en que vence."))
    done_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se completó.")
    )
    done_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien la completó."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien la creó."),
    )

    class Meta:
        # Open tasks first on every database (PostgreSQL sorts nulls last).
        ordering = [models.F("done_at").asc(nulls_first=True), "due_on", "created_at"]
        verbose_name = _("tarea")
        verbose_name_plural = _("tareas")
        indexes = [models.Index(fields=["owner", "done_at", "due_on"])]

    def __str__(self) -> str:
        return self.title


class CaseDocument(BaseModel, SealedDocument):
    """A staff document on a case, cleaned of metadata, encrypted like an attachment."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="documents", help_text=_("Caso.")
    )
    author = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien lo subió."),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("documento del caso")
        verbose_name_plural = _("documentos del caso")


class EventKind(models.TextChoices):
    OPENED = "opened", _("Caso abierto")
    REPORT_ADDED = "report_added", _("Denuncia unida al caso")
    STATUS_CHANGED = "status_changed", _("Cambio de estado")
    ASSIGNED = "assigned", _("Asignación")
    SEVERITY_CHANGED = "severity_changed", _("Cambio de gravedad")
    CATEGORIES_CHANGED = "categories_changed", _("Cambio de categorías")
    FACILITY_CHANGED = "facility_changed", _("Cambio de centro de trabajo")
    NOTE_ADDED = "note_added", _("Nota interna")
    TASK_ADDED = "task_added", _("Tarea creada")
    TASK_DONE = "task_done", _("Tarea completada")
    DOCUMENT_ADDED = "document_added", _("Documento añadido")
    MESSAGE_SENT = "message_sent", _("Mensaje a quienes denunciaron")
    REPORTER_REPLIED = "reporter_replied", _("Respuesta de quien denunció")
    CLOCK_PAUSED = "clock_paused", _("Relojes en pausa")
    CLOCK_RESUMED = "clock_resumed", _("Relojes reanudados")
    ESCALATED = "escalated", _("Escalado a petición del MLRR")
    CHECKIN_SENT = "checkin_sent", _("Pregunta por represalias enviada")
    CHECKIN_ANSWERED = "checkin_answered", _("Respuesta sobre represalias")
    REOPENED = "reopened", _("Caso reabierto")


class CaseEvent(models.Model):
    """One line of a case's timeline. Never holds what anyone wrote: ids and facts."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", help_text=_("Caso.")
    )
    kind = models.CharField(
        max_length=24, choices=EventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién; vacío si fue quien denuncia o el sistema."),
    )
    at = models.DateTimeField(help_text=_("Cuándo."))
    data = models.JSONField(
        default=dict, help_text=_("Datos del evento, sin contenido.")
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("evento del caso")
        verbose_name_plural = _("eventos del caso")
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class EscalationStatus(models.TextChoices):
    DRAFT = "draft", _("Borrador de petición")
    HANDED_OVER = "handed_over", _("Entregado al equipo de peticiones")


class Escalation(BaseModel):
    """A case put forward as a draft RRM petition.

    The handler chooses what to share: a summary of the allegations written for
    the petition (shared with petition analysts, so it must not identify a
    reporter), the facility, the categories and the case documents to carry as
    evidence. The RRM app takes a draft over by registering a receiver
    (`cases.hooks.escalation_receiver_register`); until one exists the draft
    waits here.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="escalations",
        help_text=_("Caso escalado."),
    )
    status = models.CharField(
        max_length=16,
        choices=EscalationStatus.choices,
        default=EscalationStatus.DRAFT,
        help_text=_("Si ya lo tomó el módulo de peticiones."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Centro de trabajo de la petición."),
    )
    categories = models.JSONField(
        default=list, help_text=_("Códigos de las violaciones alegadas.")
    )
    summary = models.TextField(
        _("resumen de los hechos"),
        help_text=_(
            "Se comparte con el equipo de peticiones: sin datos que identifiquen "
            "a quien denuncia."
        ),
    )
    documents = models.ManyToManyField(
        CaseDocument,
        blank=True,
        related_name="escalations",
        help_text=_("Documentos elegidos como evidencia."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien escaló."),
    )
    handed_over_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo lo tomó el módulo de peticiones.")
    )
    petition_ref = models.UUIDField(
        null=True, blank=True, help_text=_("Petición creada a partir del borrador.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("escalamiento")
        verbose_name_plural = _("escalamientos")

    def __str__(self) -> str:
        return f"{self.case} → RRM"


class CheckinAnswer(models.TextChoices):
    YES = "yes", _("Sí hubo represalias")
    NO = "no", _("No hubo represalias")


class RetaliationCheckin(BaseModel):
    """After closing: asking a reporter, through their receipt, about retaliation."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="checkins", help_text=_("Caso.")
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="retaliation_checkins",
        help_text=_("Denuncia a cuyo recibo se pregunta."),
    )
    days_after = models.PositiveSmallIntegerField(
        help_text=_("Días tras el cierre (30 o 90).")
    )
    due_on = models.DateField(help_text=_("Día en que se pregunta."))
    asked_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se hizo la pregunta.")
    )
    answered_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo respondió.")
    )
    answer = models.CharField(
        max_length=4,
        choices=CheckinAnswer.choices,
        blank=True,
        help_text=_("La respuesta."),
    )

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("seguimiento de represalias")
        verbose_name_plural = _("seguimientos de represalias")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "report", "days_after"], name="checkin_unique"
            )
        ]
        indexes = [models.Index(fields=["asked_at", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case} +{self.days_after}"
