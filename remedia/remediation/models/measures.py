"""Measures of a course, their state machine, and the notes on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel
from remedia.remediation.models.course import Course


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
