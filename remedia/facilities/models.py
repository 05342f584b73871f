from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.core.geo import STATE_CHOICES
from remedia.core.models import BaseModel
from remedia.facilities.normalise import normalise_name

_PUBLIC_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def public_id_new() -> str:
    return "FAC-" + "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _i in range(8))


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", _("En operación")
    CLOSED = "closed", _("Cerrado")
    MOVED = "moved", _("Se mudó")
    MERGED = "merged", _("Fusionado con otro registro")


class Facility(BaseModel):
    """A workplace: a garment factory, a workshop, a plant (PRODUCT.md, C1)."""

    public_id = models.CharField(
        _("identificador público"),
        max_length=16,
        unique=True,
        default=public_id_new,
        editable=False,
        help_text=_("Identificador estable para citar el centro fuera de Remedia."),
    )
    name = models.CharField(
        _("nombre"), max_length=255, help_text=_("Nombre con el que se le conoce.")
    )
    legal_name = models.CharField(
        _("razón social"),
        max_length=255,
        blank=True,
        help_text=_("Razón social de la empresa que opera el centro."),
    )
    address = models.CharField(
        _("dirección"),
        max_length=500,
        blank=True,
        help_text=_("Calle, número, colonia."),
    )
    municipality = models.CharField(
        _("municipio"), max_length=120, blank=True, help_text=_("Municipio o alcaldía.")
    )
    state = models.CharField(
        _("estado"),
        max_length=6,
        choices=STATE_CHOICES,
        db_index=True,
        help_text=_("Estado, como código ISO 3166-2:MX (p. ej. MX-PUE)."),
    )
    sector = models.CharField(
        _("sector"),
        max_length=120,
        blank=True,
        default="",
        help_text=_("Rama de actividad, p. ej. confección de prendas de vestir."),
    )
    workers = models.PositiveIntegerField(
        _("personas trabajadoras"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Número aproximado de personas que trabajan ahí."),
    )
    unions = models.CharField(
        _("sindicatos"),
        max_length=500,
        blank=True,
        help_text=_("Sindicatos con contrato o presencia en el centro."),
    )
    employer_group = models.CharField(
        _("grupo empresarial"),
        max_length=255,
        blank=True,
        help_text=_("Grupo o marca a la que pertenece la empresa."),
    )
    os_id = models.CharField(
        _("ID de Open Supply Hub"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_("Identificador en Open Supply Hub, si se conoce."),
    )
    external_id = models.CharField(
        _("ID externo"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Identificador en la lista de origen (padrón, proveedor)."),
    )
    lat = models.DecimalField(
        _("latitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Latitud WGS84."),
    )
    lng = models.DecimalField(
        _("longitud"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("Longitud WGS84."),
    )
    status = models.CharField(
        _("situación"),
        max_length=10,
        choices=FacilityStatus.choices,
        default=FacilityStatus.ACTIVE,
        help_text=_(
            "Si el centro opera, cerró, se mudó o se fusionó con otro registro."
        ),
    )
    name_key = models.CharField(
        max_length=255,
        db_index=True,
        editable=False,
        help_text=_("Nombre y razón social normalizados, para buscar y comparar."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("centro de trabajo")
        verbose_name_plural = _("centros de trabajo")
        indexes = [models.Index(fields=["state", "name_key"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # A derived column, kept in step with the names wherever they are saved.
        names = [normalise_name(self.name), normalise_name(self.legal_name)]
        self.name_key = " ".join(dict.fromkeys(n for n in names if n))[:255]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
