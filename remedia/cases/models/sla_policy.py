"""An organisation's SLA targets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation
from remedia.core.models import BaseModel


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
