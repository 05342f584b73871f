"""The case: its statuses and their transitions, severity, closure, number."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.facilities.models import Facility


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
