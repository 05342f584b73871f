"""The support plan: objectives and actions by HTCDS type."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.protection.models.victim_file import VictimFile
from remedia.protection.vocabulary import SupportStatus, SupportType


class SupportAction(BaseModel):
    """One objective of the person's plan and the action toward it.

    Objective and action are sealed to the file's key (they describe the
    person's needs); type, owner, dates and status stay readable for lists.
    """

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="support_actions",
        help_text=_("Expediente."),
    )
    support_type = models.CharField(
        _("tipo"),
        max_length=24,
        choices=SupportType.choices,
        help_text=_("HTCDS spl_Type."),
    )
    content = models.BinaryField(help_text=_("Objetivo y acción, sellados."))
    owner = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
        help_text=_("Persona de la organización que la lleva."),
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("institución responsable"),
        help_text=_("Institución que la lleva."),
    )
    starts_on = models.DateField(_("inicio"), help_text=_("Cuándo empieza."))
    due_on = models.DateField(
        _("fecha límite"), null=True, blank=True, help_text=_("Cuándo debe cumplirse.")
    )
    status = models.CharField(
        _("estado"),
        max_length=10,
        choices=SupportStatus.choices,
        default=SupportStatus.PLANNED,
        help_text=_("Prevista, en curso, cumplida o descartada."),
    )
    done_on = models.DateField(
        null=True, blank=True, help_text=_("Cuándo se cumplió o descartó.")
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien la registró."),
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Crece con cada cambio; detecta ediciones cruzadas.")
    )

    class Meta:
        ordering = ["starts_on", "created_at"]
        verbose_name = _("acción del plan de apoyo")
        verbose_name_plural = _("acciones del plan de apoyo")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=True)
                | models.Q(due_on__gte=models.F("starts_on")),
                name="support_action_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} · {self.support_type}"
