"""Evidence uploaded for a measure and its review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from remedia.core.models import BaseModel
from remedia.remediation.models.measures import Measure


class EvidenceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Por revisar")
    ACCEPTED = "accepted", _("Aceptada")
    REJECTED = "rejected", _("Rechazada")


class Evidence(BaseModel):
    """A file that shows a measure was carried out (photo, document, roster).

    Like a petition's documents, evidence is not reporter data: it is stored
    unencrypted under ``DATA_DIR/remediation-evidence`` after the metadata
    stripping of ``core.files.clean`` (a photo's GPS position and
    camera go), never in a public directory, and it refers to no report.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="evidence"
    )
    description = models.CharField(
        _("descripción"),
        max_length=300,
        blank=True,
        help_text=_("Qué muestra y dónde, p. ej. «Comedor, junto al reloj checador»."),
    )
    name = models.CharField(max_length=200, help_text=_("Nombre del archivo."))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text=_("Tamaño en bytes, ya limpio."))
    blob = models.CharField(max_length=64, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("estado"),
        max_length=16,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.SUBMITTED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(
        _("motivo"), blank=True, help_text=_("Por qué se rechazó, para quien la subió.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidencia")
        verbose_name_plural = _("evidencias")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_reason=""),
                name="remediation_evidence_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name
