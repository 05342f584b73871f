"""Screening interviews: the answers sealed, the engine's outcome in codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.cases.models import Case
from remedia.core.models import BaseModel
from remedia.core.sealed import SealedKeyGrant, grant_constraints
from remedia.intake.models import Report
from remedia.protection.models.victim_file import VictimFile
from remedia.protection.vocabulary import ScreeningStatus


class Screening(BaseModel):
    """One screening interview, or the task of holding one.

    A report or case in a protection category opens a pending screening for
    each protection team it reached; the interview's answers (age, conditions,
    indicators) are sealed to the screening's own key, granted to whoever held
    it and the organisation's protection staff. The outcome's codes (which
    rules applied) stay readable for the lists and figures.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="screenings",
        help_text=_("Equipo de protección que la hace."),
    )
    status = models.CharField(
        _("estado"),
        max_length=10,
        choices=ScreeningStatus.choices,
        default=ScreeningStatus.PENDING,
        help_text=_("Por entrevistar, hecha o descartada."),
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screenings",
        help_text=_("Denuncia que la originó."),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screenings",
        help_text=_("Caso que la originó."),
    )
    file = models.ForeignKey(
        VictimFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screenings",
        help_text=_("Expediente abierto a partir de ella."),
    )
    public_key = models.BinaryField(
        null=True, blank=True, help_text=_("Llave pública de la entrevista.")
    )
    answers = models.BinaryField(
        null=True, blank=True, help_text=_("Respuestas de la entrevista, selladas.")
    )
    conducted_on = models.DateField(
        _("fecha de la entrevista"), null=True, blank=True, help_text=_("Cuándo.")
    )
    conducted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien entrevistó."),
    )
    child_labour = models.CharField(
        _("trabajo infantil"),
        max_length=24,
        blank=True,
        help_text=_("Veredicto orientativo del motor de reglas."),
    )
    forced_labour = models.CharField(
        _("trabajo forzoso"),
        max_length=24,
        blank=True,
        help_text=_("Nivel orientativo según los indicadores de la OIT."),
    )
    trafficking_possible = models.BooleanField(
        _("posible trata"), default=False, help_text=_("Según el motor de reglas.")
    )
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Códigos de las reglas que aplicaron (sin datos de la persona)."),
    )
    dismissed_reason = models.CharField(
        _("motivo para descartarla"),
        max_length=300,
        blank=True,
        help_text=_("Por qué no hacía falta entrevistar."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("entrevista de detección")
        verbose_name_plural = _("entrevistas de detección")
        indexes = [models.Index(fields=["organisation", "status", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "report"],
                condition=models.Q(status="pending", report__isnull=False),
                name="screening_one_pending_per_report",
            ),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("protection:screening", kwargs={"screening_id": self.pk})


class ScreeningKeyGrant(SealedKeyGrant):
    screening = models.ForeignKey(
        Screening,
        on_delete=models.CASCADE,
        related_name="key_grants",
        help_text=_("Entrevista."),
    )

    class Meta:
        verbose_name = _("acceso cifrado a la entrevista")
        verbose_name_plural = _("accesos cifrados a entrevistas")
        constraints = grant_constraints(
            owner="screening",
            user_name="screening_grant_user",
            escrow_name="screening_grant_escrow",
            xor_name="screening_grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.screening_id}"
