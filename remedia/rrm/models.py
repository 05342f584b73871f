"""RRM cases: the public record now; petitions and their workflow build on it later.

A case carries the dates the deadline engine (``deadlines.py``) reads, under
the names of the public record; ``TIMELINE_DATES`` says which field is which of
the engine's arguments, so the API, the pages and the import compute a
timeline the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.rrm.deadlines import Step, TimelineOrderError, timeline_compute

# Model field -> the deadline engine's argument (domain/rrm.md, "The public
# record"). The record has no column for the ILC's determination, and the
# course's own deadline is no step of the engine.
TIMELINE_DATES: dict[str, str] = {
    "petition_received_on": "petition",
    "ilc_request_on": "request",
    "mexico_accepted_on": "accepted",
    "mexico_determination_on": "determination",
    "remediation_announced_on": "remediation_agreed",
}


class RrmCaseOrigin(models.TextChoices):
    PUBLIC_RECORD = "public_record", _("Registro público")
    STAFF = "staff", _("Personal")


class RrmCase(BaseModel):
    """One RRM matter about one facility, from petition to its end."""

    slug = models.SlugField(
        _("clave"),
        max_length=100,
        unique=True,
        help_text=_(
            "Clave estable y legible del caso (case_id del registro público), "
            "p. ej. inisa; aparece en la URL."
        ),
    )
    facility_name = models.CharField(
        _("centro de trabajo"),
        max_length=255,
        help_text=_("Nombre del centro de trabajo como lo dan las fuentes."),
    )
    company = models.CharField(
        _("empresa"),
        max_length=255,
        blank=True,
        help_text=_("Empresa o grupo empresarial al que pertenece el centro."),
    )
    state = models.CharField(
        _("estado"),
        max_length=100,
        blank=True,
        help_text=_("Estado de la república tal como lo escribe la fuente."),
    )
    state_code = models.CharField(
        _("código de estado"),
        max_length=6,
        blank=True,
        choices=STATE_CHOICES,
        db_index=True,
        help_text=_(
            "El estado como código ISO 3166-2:MX, cuando el nombre se reconoce."
        ),
    )
    sector = models.CharField(
        _("sector"),
        max_length=200,
        blank=True,
        help_text=_("Rama de actividad del centro de trabajo."),
    )
    petitioners = models.TextField(
        _("peticionarios"),
        blank=True,
        help_text=_(
            "Quiénes presentaron la petición, o si la inició el gobierno de EE. UU."
        ),
    )
    petition_received_on = models.DateField(
        _("petición recibida"),
        null=True,
        blank=True,
        help_text=_("Día en que el ILC recibió la petición; vacío si no se conoce."),
    )
    ilc_request_on = models.DateField(
        _("solicitud de revisión"),
        null=True,
        blank=True,
        help_text=_("Día en que EE. UU. pidió a México revisar el caso."),
    )
    mexico_accepted_on = models.DateField(
        _("revisión aceptada"),
        null=True,
        blank=True,
        help_text=_("Día en que México aceptó hacer la revisión."),
    )
    mexico_determination_on = models.DateField(
        _("determinación de México"),
        null=True,
        blank=True,
        help_text=_("Día en que México informó el resultado de su revisión."),
    )
    remediation_announced_on = models.DateField(
        _("curso de reparación acordado"),
        null=True,
        blank=True,
        help_text=_("Día en que se anunció el curso de reparación acordado."),
    )
    remediation_deadline = models.DateField(
        _("plazo del curso de reparación"),
        null=True,
        blank=True,
        help_text=_("Fecha límite del curso de reparación acordado."),
    )
    outcome = models.TextField(
        _("resultado"),
        blank=True,
        help_text=_("Cómo terminó o en qué va el caso, según las fuentes."),
    )
    sources = models.JSONField(
        _("fuentes"),
        default=list,
        blank=True,
        help_text=_("Lista de URL de comunicados y notas que respaldan las fechas."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rrm_cases",
        verbose_name=_("centro en el padrón"),
        help_text=_("El centro de trabajo del padrón de Remedia, si se identificó."),
    )
    origin = models.CharField(
        _("origen"),
        max_length=20,
        choices=RrmCaseOrigin.choices,
        default=RrmCaseOrigin.PUBLIC_RECORD,
        help_text=_("Si el caso vino del registro público o lo capturó el personal."),
    )
    is_public = models.BooleanField(
        _("público"),
        default=True,
        help_text=_("Si el caso aparece en la página y la API públicas."),
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("caso del MLRR")
        verbose_name_plural = _("casos del MLRR")

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        # The engine's order check, so a case that cannot be true is refused
        # wherever it is saved from (the import checks rows the same way).
        try:
            self.timeline(today=dt.date.min)
        except TimelineOrderError as exc:
            raise ValidationError({_timeline_field(exc.argument): str(exc)}) from None
        if (
            self.remediation_deadline
            and self.remediation_announced_on
            and self.remediation_deadline < self.remediation_announced_on
        ):
            raise ValidationError(
                {
                    "remediation_deadline": _(
                        "El plazo del curso no puede ser anterior a su anuncio."
                    )
                }
            )

    def get_absolute_url(self) -> str:
        return reverse("rrm:detail", kwargs={"slug": self.slug})

    def timeline_dates(self) -> dict[str, Any]:
        """The engine's arguments from this case's dates."""
        return {arg: getattr(self, name) for name, arg in TIMELINE_DATES.items()}

    def timeline(self, *, today: dt.date) -> list[Step]:
        """The Annex 31-A steps of this case, judged on ``today``."""
        return timeline_compute(today=today, **self.timeline_dates())


def _timeline_field(argument: str) -> str:
    return {arg: name for name, arg in TIMELINE_DATES.items()}[argument]
