"""Sanction proceedings against individuals, labour organisations or companies."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel
from remedia.remediation.models.course import Course
from remedia.remediation.models.measures import Measure


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
