"""Retaliation check-ins after a case closes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.cases.models.case import Case
from remedia.core.models import BaseModel
from remedia.intake.models import Report


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
