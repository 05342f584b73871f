"""Referrals and counter-referrals to a service, and what the receiver may read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.core.sealed import SealedKeyGrant, grant_constraints
from remedia.protection.models.directory import Service
from remedia.protection.models.victim_file import VictimFile
from remedia.protection.vocabulary import (
    ReferralReason,
    ReferralStatus,
    ServiceType,
)


class Referral(BaseModel):
    """A referral of a person to a service, with Primero's states.

    What the receiver may read (the summary consent allows) is sealed to the
    referral's own key, granted to the receiving organisation's protection
    staff: never the file itself. A revoked referral loses its grants and its
    summary at once. A counter-referral is a referral the receiver sends back
    (`answers`).
    """

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="referrals",
        help_text=_("Expediente de la persona canalizada."),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("servicio"),
        help_text=_("Servicio del directorio al que se canaliza."),
    )
    service_type = models.CharField(
        _("tipo de servicio"),
        max_length=20,
        choices=ServiceType.choices,
        help_text=_("Qué se pide al servicio."),
    )
    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        help_text=_("Organización que canaliza."),
    )
    to_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
        help_text=_("Organización que recibe, si trabaja en Remedia."),
    )
    answers = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counter_referrals",
        help_text=_("Canalización a la que responde esta contra-referencia."),
    )
    reason = models.CharField(
        _("motivo"),
        max_length=24,
        choices=ReferralReason.choices,
        default=ReferralReason.ADDITIONAL_SERVICES,
        help_text=_("HTCDS: motivo de la canalización."),
    )
    status = models.CharField(
        _("estado"),
        max_length=12,
        choices=ReferralStatus.choices,
        default=ReferralStatus.IN_PROGRESS,
        help_text=_("Enviada, aceptada, rechazada, atendida o revocada."),
    )
    due_at = models.DateTimeField(
        _("vence"), help_text=_("Según el plazo de respuesta del servicio.")
    )
    public_key = models.BinaryField(help_text=_("Llave pública de la canalización."))
    summary = models.BinaryField(
        null=True,
        blank=True,
        help_text=_("Lo que el consentimiento permite compartir, sellado."),
    )
    consent_overridden = models.BooleanField(
        _("sin consentimiento"),
        default=False,
        help_text=_("Enviada sin el consentimiento debido, con motivo registrado."),
    )
    override_reason = models.BinaryField(
        null=True,
        blank=True,
        help_text=_("Motivo de enviar sin consentimiento, sellado al expediente."),
    )
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien canalizó."),
    )
    responded_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo la aceptó o rechazó el servicio.")
    )
    responded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien respondió."),
    )
    response_note = models.BinaryField(
        null=True,
        blank=True,
        help_text=_("Motivo de rechazo o nota del servicio, sellados."),
    )
    implemented_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se prestó el servicio.")
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se revocó.")
    )
    revoked_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien la revocó (vacío si fue por retiro del consentimiento)."),
    )
    revoked_reason = models.CharField(
        _("motivo de la revocación"),
        max_length=24,
        blank=True,
        help_text=_("consent_withdrawn, by_sender o file_closed."),
    )
    overdue_notified_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se avisó que venció.")
    )
    version = models.PositiveIntegerField(
        default=1, help_text=_("Crece con cada cambio; detecta respuestas cruzadas.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("canalización")
        verbose_name_plural = _("canalizaciones")
        indexes = [
            models.Index(fields=["to_organisation", "status", "due_at"]),
            models.Index(fields=["from_organisation", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | models.Q(implemented_at__isnull=False),
                name="referral_done_is_implemented",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_overridden=False)
                | models.Q(override_reason__isnull=False),
                name="referral_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("protection:referral", kwargs={"referral_id": self.pk})


class ReferralKeyGrant(SealedKeyGrant):
    referral = models.ForeignKey(
        Referral,
        on_delete=models.CASCADE,
        related_name="key_grants",
        help_text=_("Canalización."),
    )

    class Meta:
        verbose_name = _("acceso cifrado a la canalización")
        verbose_name_plural = _("accesos cifrados a canalizaciones")
        constraints = grant_constraints(
            owner="referral",
            user_name="referral_grant_user",
            escrow_name="referral_grant_escrow",
            xor_name="referral_grant_user_xor_escrow",
        )

    def __str__(self) -> str:
        return f"grant {self.referral_id}"
