from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel


class Refresh(BaseModel):
    """One run of the worker that rebuilt a kind of aggregate.

    Pages say "figures as of" the last finished run of the kinds they show.
    """

    kind = models.CharField(
        max_length=40, db_index=True, help_text=_("Qué cifras se recalcularon.")
    )
    started_at = models.DateTimeField(help_text=_("Cuándo empezó el recálculo."))
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo terminó; vacío si sigue o falló.")
    )
    rows = models.PositiveIntegerField(
        default=0, help_text=_("Filas de cifras que dejó el recálculo.")
    )
    error = models.CharField(
        max_length=200, blank=True, help_text=_("Por qué falló, si falló.")
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-finished_at"])]
        verbose_name = _("recálculo de cifras")
        verbose_name_plural = _("recálculos de cifras")

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class Publication(BaseModel):
    """A snapshot of the public figures, suppressed before it was stored.

    The public page, its JSON and its CSV read the latest one: what the public
    sees is exactly what was checked, and nothing small is ever stored here.
    """

    threshold = models.PositiveSmallIntegerField(
        help_text=_("Conteos de 1 a este número menos uno se suprimieron.")
    )
    figures = models.JSONField(
        help_text=_("Las tablas publicadas, con las celdas suprimidas ya vacías.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("publicación de cifras")
        verbose_name_plural = _("publicaciones de cifras")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"
