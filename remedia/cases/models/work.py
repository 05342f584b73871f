"""Tasks on a case (named `work` so as not to be mistaken for the huey `tasks.py`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases.models.case import Case
from remedia.core.models import BaseModel


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
