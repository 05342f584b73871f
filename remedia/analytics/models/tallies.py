"""Aggregates the worker materialises, so a page never scans every report.

Each table is rebuilt whole, in one transaction, by `services.refresh`
(set-based: one GROUP BY per table, written with bulk_create). A report
or case with several categories is counted once in the rows whose
`category` is "" (every category) and once more under each of its
categories: filter on `category=""` for totals, on a code for one
category, and on `category != ""` for a breakdown by category.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation
from remedia.core.choices import ChoiceLabels
from remedia.core.geo import STATE_CHOICES

ALL_CATEGORIES = ""
ALL_CHANNELS = ""


class Bucket(models.TextChoices):
    """Primero's duration buckets; "" when the clock has not stopped yet."""

    PENDING = "", _("Sin dato aún")
    UPTO30 = "30", _("≤ 30 días")
    UPTO90 = "90", _("31–90 días")
    UPTO180 = "180", _("91–180 días")
    OVER180 = "181", _("181 días o más")


class ReportTally(ChoiceLabels, models.Model):
    """How many reports an organisation received, by month, place, channel, category."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Organización destinataria."),
    )
    month = models.DateField(help_text=_("Primer día del mes en que llegó."))
    state = models.CharField(
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Estado donde ocurrió; vacío si no se sabe."),
    )
    facility_id = models.UUIDField(
        null=True, blank=True, help_text=_("Centro de trabajo, si se eligió.")
    )
    by_facility = models.BooleanField(
        default=False, help_text=_("Fila por centro de trabajo (o suma de todos).")
    )
    channel = models.CharField(max_length=10, help_text=_("Canal."))
    category = models.CharField(
        max_length=40, blank=True, help_text=_("Categoría; vacía: todas.")
    )
    count = models.PositiveIntegerField(help_text=_("Denuncias."))

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation", "by_facility", "channel", "category", "month"]
            ),
            models.Index(fields=["facility_id", "organisation"]),
        ]
        verbose_name = _("conteo de denuncias")
        verbose_name_plural = _("conteos de denuncias")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.state} {self.category}: {self.count}"


class CaseTally(ChoiceLabels, models.Model):
    """How many cases an organisation holds, by when they opened, where,
    what, their status, whether overdue at the refresh, and how long each
    clock took (in buckets)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Organización del caso."),
    )
    month = models.DateField(help_text=_("Primer día del mes en que llegó."))
    state = models.CharField(
        max_length=6,
        choices=STATE_CHOICES,
        blank=True,
        help_text=_("Estado del centro de trabajo; vacío si no se sabe."),
    )
    facility_id = models.UUIDField(
        null=True, blank=True, help_text=_("Centro de trabajo, si se sabe.")
    )
    by_facility = models.BooleanField(
        default=False, help_text=_("Fila por centro de trabajo (o suma de todos).")
    )
    category = models.CharField(
        max_length=40, blank=True, help_text=_("Categoría; vacía: todas.")
    )
    status = models.CharField(max_length=20, help_text=_("Estado del caso."))
    overdue = models.BooleanField(
        default=False, help_text=_("Con un plazo vencido al recalcular.")
    )
    acknowledge = models.CharField(
        max_length=3, blank=True, choices=Bucket.choices, help_text=_("Acuse.")
    )
    first_response = models.CharField(
        max_length=3,
        blank=True,
        choices=Bucket.choices,
        help_text=_("Primera respuesta."),
    )
    resolution = models.CharField(
        max_length=3, blank=True, choices=Bucket.choices, help_text=_("Resolución.")
    )
    count = models.PositiveIntegerField(help_text=_("Casos."))

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "by_facility", "category", "month"]),
            models.Index(fields=["facility_id", "organisation"]),
        ]
        verbose_name = _("conteo de casos")
        verbose_name_plural = _("conteos de casos")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.status} {self.category}: {self.count}"


class FacilityTally(ChoiceLabels, models.Model):
    """A facility that appears in an organisation's figures (the filter's choices)."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Organización."),
    )
    facility_id = models.UUIDField(help_text=_("Centro de trabajo."))
    count = models.PositiveIntegerField(help_text=_("Denuncias y casos."))

    class Meta:
        indexes = [models.Index(fields=["organisation", "facility_id"])]
        verbose_name = _("centro en las cifras")
        verbose_name_plural = _("centros en las cifras")

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.count}"
