"""Protocol training counted for the plan.

A workshop on the protocol is a ``training.TrainingSession`` held for an
organisation's staff (officials and partners); this table says which plan (and
which action of it, if any) it counts for. Coverage per organisation and role
is counted by ``training.coverage`` from the sessions linked here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.coordination.models.plan import Action, WorkPlan
from remedia.core.models import BaseModel


class PlanTraining(BaseModel):
    session = models.OneToOneField(
        "training.TrainingSession",
        on_delete=models.CASCADE,
        related_name="coordination_plan",
        help_text=_("La sesión de capacitación."),
    )
    plan = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        related_name="trainings",
        help_text=_("El plan para el que cuenta."),
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings",
        help_text=_("La acción del plan que la sesión cumple, si alguna."),
    )

    class Meta:
        verbose_name = _("capacitación del plan")
        verbose_name_plural = _("capacitaciones del plan")

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.session_id}"
