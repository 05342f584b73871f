"""Consent as records: who gave it, for what, with whom, and when it was withdrawn."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.protection.models.victim_file import VictimFile
from remedia.protection.vocabulary import ConsentGiver, ConsentScope


class Consent(BaseModel):
    """One consent given for one purpose; never edited, only withdrawn.

    Sharing is consented per recipient: an organisation in Remedia or an
    institution outside it, named. A withdrawal takes effect at once: referrals
    under way to that recipient are revoked and the file leaves exports.
    """

    file = models.ForeignKey(
        VictimFile,
        on_delete=models.CASCADE,
        related_name="consents",
        help_text=_("Expediente."),
    )
    scope = models.CharField(
        _("para qué"),
        max_length=12,
        choices=ConsentScope.choices,
        help_text=_("Servicios, compartir con una institución o estadísticas."),
    )
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institución"),
        help_text=_("Organización en Remedia con la que se puede compartir."),
    )
    recipient_name = models.CharField(
        _("institución fuera de Remedia"),
        max_length=200,
        blank=True,
        help_text=_("Nombre de la institución, si no está en Remedia."),
    )
    given_by = models.CharField(
        _("quién consiente"),
        max_length=12,
        choices=ConsentGiver.choices,
        help_text=_("La persona, su madre, padre o tutor, u otra persona."),
    )
    given_on = models.DateField(_("fecha"), help_text=_("Cuándo se dio."))
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Quien lo registró."),
    )
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se retiró; vacío si sigue vigente.")
    )
    withdrawn_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien registró el retiro."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        indexes = [models.Index(fields=["file", "scope", "withdrawn_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="sharing")
                    & (
                        models.Q(recipient__isnull=False, recipient_name="")
                        | (
                            models.Q(recipient__isnull=True)
                            & ~models.Q(recipient_name="")
                        )
                    )
                )
                | (
                    ~models.Q(scope="sharing")
                    & models.Q(recipient__isnull=True, recipient_name="")
                ),
                name="consent_sharing_names_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} · {self.scope}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
