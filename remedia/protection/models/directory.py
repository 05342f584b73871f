"""The directory of assistance services: data coordinators edit, never code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.models import BaseModel
from remedia.protection.vocabulary import ServedSexes, Timeframe


class Service(BaseModel):
    """A service an institution gives victims: who, what, where, for whom, how to reach."""

    name = models.CharField(
        _("servicio"), max_length=200, help_text=_("Nombre del servicio o programa.")
    )
    institution = models.CharField(
        _("institución"), max_length=200, help_text=_("Quién lo presta.")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protection_services",
        verbose_name=_("organización en Remedia"),
        help_text=_(
            "Si la institución trabaja en Remedia, recibe aquí las canalizaciones."
        ),
    )
    service_types = models.JSONField(
        _("tipos de servicio"),
        default=list,
        help_text=_("Códigos de ServiceType."),
    )
    national = models.BooleanField(
        _("cobertura nacional"), default=False, help_text=_("Atiende en todo el país.")
    )
    states = models.JSONField(
        _("estados"),
        default=list,
        blank=True,
        help_text=_("Estados que atiende (ISO 3166-2:MX), si no es nacional."),
    )
    area_detail = models.CharField(
        _("zona"),
        max_length=200,
        blank=True,
        help_text=_("Municipios o región, si atiende solo una parte."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("edad mínima"), null=True, blank=True, help_text=_("Vacío: sin mínimo.")
    )
    max_age = models.PositiveSmallIntegerField(
        _("edad máxima"), null=True, blank=True, help_text=_("Vacío: sin máximo.")
    )
    sexes = models.CharField(
        _("a quién atiende"),
        max_length=8,
        choices=ServedSexes.choices,
        default=ServedSexes.ALL,
        help_text=_("Todas las personas, solo mujeres o solo hombres."),
    )
    phone = models.CharField(
        _("teléfono"), max_length=40, blank=True, help_text=_("Para canalizar.")
    )
    email = models.EmailField(_("correo"), blank=True, help_text=_("Para canalizar."))
    address = models.CharField(
        _("dirección"), max_length=300, blank=True, help_text=_("Dónde atiende.")
    )
    website = models.URLField(
        _("sitio web"), blank=True, help_text=_("Página oficial.")
    )
    hours = models.CharField(
        _("horario"), max_length=200, blank=True, help_text=_("Días y horas.")
    )
    timeframe = models.CharField(
        _("plazo de respuesta"),
        max_length=4,
        choices=Timeframe.choices,
        default=Timeframe.ONE_DAY,
        help_text=_("En cuánto responde a una canalización; fija su vencimiento."),
    )
    notes = models.TextField(
        _("notas"),
        max_length=2000,
        blank=True,
        help_text=_("Requisitos, documentos, cómo canalizar."),
    )
    is_active = models.BooleanField(
        _("vigente"),
        default=True,
        help_text=_("Los servicios dados de baja no se ofrecen."),
    )
    updated_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien lo modificó por última vez."),
    )

    class Meta:
        ordering = ["institution", "name"]
        verbose_name = _("servicio de atención")
        verbose_name_plural = _("servicios de atención")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="service_age_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.name}"
