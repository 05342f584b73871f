"""Escalations of a case to the RRM."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases.models.case import Case
from remedia.cases.models.sealed import CaseDocument
from remedia.core.models import BaseModel
from remedia.facilities.models import Facility


class EscalationStatus(models.TextChoices):
    DRAFT = "draft", _("Borrador de petición")
    HANDED_OVER = "handed_over", _("Entregado al equipo de peticiones")


class Escalation(BaseModel):
    """A case put forward as a draft RRM petition.

    The handler chooses what to share: a summary of the allegations written for
    the petition (shared with petition analysts, so it must not identify a
    reporter), the facility, the categories and the case documents to carry as
    evidence. The RRM app takes a draft over by registering a receiver
    (`cases.hooks.escalation_receiver_register`); until one exists the draft
    waits here.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="escalations",
        help_text=_("Caso escalado."),
    )
    status = models.CharField(
        max_length=16,
        choices=EscalationStatus.choices,
        default=EscalationStatus.DRAFT,
        help_text=_("Si ya lo tomó el módulo de peticiones."),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Centro de trabajo de la petición."),
    )
    categories = models.JSONField(
        default=list, help_text=_("Códigos de las violaciones alegadas.")
    )
    summary = models.TextField(
        _("resumen de los hechos"),
        help_text=_(
            "Se comparte con el equipo de peticiones: sin datos que identifiquen "
            "a quien denuncia."
        ),
    )
    documents = models.ManyToManyField(
        CaseDocument,
        blank=True,
        related_name="escalations",
        help_text=_("Documentos elegidos como evidencia."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien escaló."),
    )
    handed_over_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo lo tomó el módulo de peticiones.")
    )
    petition_ref = models.UUIDField(
        null=True, blank=True, help_text=_("Petición creada a partir del borrador.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("escalamiento")
        verbose_name_plural = _("escalamientos")

    def __str__(self) -> str:
        return f"{self.case} → RRM"
