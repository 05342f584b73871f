"""The timeline of a measure: one row per event."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core.choices import ChoiceLabels
from remedia.remediation.models.measures import Measure


class MeasureEventKind(models.TextChoices):
    CREATED = "created", _("Medida agregada")
    UPDATED = "updated", _("Medida modificada")
    STATUS_CHANGED = "status_changed", _("Cambio de estado")
    NOTE_ADDED = "note_added", _("Nota del monitoreo")
    EVIDENCE_SUBMITTED = "evidence_submitted", _("Evidencia recibida")
    EVIDENCE_REVIEWED = "evidence_reviewed", _("Evidencia revisada")


class MeasureEvent(ChoiceLabels, models.Model):
    """One line of a measure's timeline, written by ``events.py``.

    ``data`` holds statuses, field names and ids only: never a note's text, a
    reason for failing or rejecting, or an evidence file's name or contents.
    """

    id = models.UUIDField(
        primary_key=True,
        default=uuid.uuid4,
        editable=False,
        help_text=_("Identificador estable que aparece en URL y en la API."),
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=_("Medida a la que pertenece el evento."),
    )
    kind = models.CharField(
        max_length=32, choices=MeasureEventKind.choices, help_text=_("Qué pasó.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quién lo hizo; vacío si fue el sistema."),
    )
    data = models.JSONField(
        default=dict, blank=True, help_text=_("Detalles sin texto sensible.")
    )
    created_at = models.DateTimeField(default=timezone.now, help_text=_("Cuándo pasó."))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evento de la medida")
        verbose_name_plural = _("eventos de la medida")
        indexes = [
            models.Index(
                fields=["measure", "created_at"], name="remediation_measure_event_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.kind}"
