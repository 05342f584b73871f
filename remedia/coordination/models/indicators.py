"""Indicators of an action, their periods with targets, and progress updates.

After Akvo RSR: results → indicators → periods → updates that a lead
approves or returns; only approved updates count toward the actual.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.coordination.models.plan import Action
from remedia.core.models import BaseModel


class IndicatorKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("Cuantitativo")
    QUALITATIVE = "qualitative", _("Cualitativo")


class IndicatorUnit(models.TextChoices):
    NUMBER = "number", _("Número")
    PERCENT = "percent", _("Porcentaje")


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", _("Trimestral")
    HALF_YEARLY = "half_yearly", _("Semestral")
    YEARLY = "yearly", _("Anual")


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("Borrador")
    SUBMITTED = "submitted", _("Enviado")
    RETURNED = "returned", _("Devuelto")
    APPROVED = "approved", _("Aprobado")


class Indicator(BaseModel):
    """What shows an action's progress."""

    action = models.ForeignKey(
        Action,
        on_delete=models.CASCADE,
        related_name="indicators",
        help_text=_("La acción."),
    )
    name = models.CharField(_("indicador"), max_length=300, help_text=_("Qué se mide."))
    kind = models.CharField(
        _("tipo"),
        max_length=12,
        choices=IndicatorKind.choices,
        default=IndicatorKind.QUANTITATIVE,
        help_text=_("Cuantitativo (un número) o cualitativo (una narración)."),
    )
    unit = models.CharField(
        _("unidad"),
        max_length=8,
        choices=IndicatorUnit.choices,
        default=IndicatorUnit.NUMBER,
        help_text=_("Número o porcentaje."),
    )
    baseline_value = models.DecimalField(
        _("línea base"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Valor de partida."),
    )
    baseline_year = models.PositiveSmallIntegerField(
        _("año de la línea base"), null=True, blank=True, help_text=_("Año.")
    )
    frequency = models.CharField(
        _("frecuencia"),
        max_length=12,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
        help_text=_("Cada cuánto se informa."),
    )

    class Meta:
        ordering = ["action", "created_at"]
        verbose_name = _("indicador")
        verbose_name_plural = _("indicadores")

    def __str__(self) -> str:
        return self.name

    @property
    def quantitative(self) -> bool:
        return self.kind == IndicatorKind.QUANTITATIVE


class IndicatorPeriod(BaseModel):
    """A reporting period of an indicator with its target."""

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="periods",
        help_text=_("El indicador."),
    )
    starts_on = models.DateField(_("inicio"), help_text=_("Primer día del periodo."))
    ends_on = models.DateField(_("fin"), help_text=_("Último día del periodo."))
    target = models.DecimalField(
        _("meta"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Meta del periodo (obligatoria si el indicador es cuantitativo)."),
    )

    class Meta:
        ordering = ["indicator", "starts_on"]
        verbose_name = _("periodo")
        verbose_name_plural = _("periodos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="coordination_period_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"


class ProgressUpdate(BaseModel):
    """What a member reports for a period; counts once the group's lead approves."""

    period = models.ForeignKey(
        IndicatorPeriod,
        on_delete=models.CASCADE,
        related_name="updates",
        help_text=_("El periodo."),
    )
    value = models.DecimalField(
        _("valor"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Valor logrado (indicadores cuantitativos)."),
    )
    narrative = models.TextField(
        _("narración"), max_length=4000, blank=True, help_text=_("Qué se hizo.")
    )
    status = models.CharField(
        _("situación"),
        max_length=10,
        choices=UpdateStatus.choices,
        default=UpdateStatus.SUBMITTED,
        help_text=_("Borrador, enviado, devuelto o aprobado."),
    )
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Quien lo envió."),
    )
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se envió.")
    )
    reviewed_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Quien lo aprobó o devolvió."),
    )
    reviewed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Cuándo se aprobó o devolvió.")
    )
    review_note = models.CharField(
        _("nota de revisión"),
        max_length=2000,
        blank=True,
        help_text=_("Por qué se devolvió."),
    )

    class Meta:
        ordering = ["period", "created_at"]
        verbose_name = _("avance")
        verbose_name_plural = _("avances")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="returned") | ~models.Q(review_note=""),
                name="coordination_update_returned_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.get_status_display()}"


class UpdateEvidence(BaseModel):
    """A photo or PDF that backs an update, cleaned by `core.files.clean`."""

    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        related_name="evidence",
        help_text=_("El avance."),
    )
    name = models.CharField(max_length=200, help_text=_("Nombre del archivo."))
    content_type = models.CharField(max_length=100, help_text=_("Tipo, ya limpio."))
    size = models.PositiveIntegerField(help_text=_("Tamaño en bytes, ya limpio."))
    blob = models.CharField(
        max_length=64, unique=True, help_text=_("Archivo guardado.")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("evidencia del avance")
        verbose_name_plural = _("evidencias del avance")

    def __str__(self) -> str:
        return self.name
