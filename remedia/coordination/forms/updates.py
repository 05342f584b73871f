"""The forms of an action's page: its status, report progress, review it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.coordination.models import ActionStatus, IndicatorPeriod, UpdateStatus


class UpdateForm(forms.Form):
    period = forms.ChoiceField(label=_("Periodo"))
    value = forms.CharField(
        label=_("Valor logrado"),
        required=False,
        max_length=30,
        help_text=_("Un número (cuantitativo); vacío si el indicador es cualitativo."),
    )
    narrative = forms.CharField(
        label=_("Qué se hizo"),
        required=False,
        max_length=4000,
        help_text=_(
            "Lo que todo el personal con acceso al plan puede leer: sin nombres ni "
            "datos de quienes denuncian o de víctimas."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.FileField(
        label=_("Evidencia (foto o PDF)"),
        required=False,
        help_text=_(
            "Se le quitan los metadatos (ubicación, autor); que no muestre a "
            "víctimas ni a quienes denuncian."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args: Any, periods: list[IndicatorPeriod], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(str(p.pk), f"{p.indicator.name} · {p}") for p in periods]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decisión"),
        choices=[
            (UpdateStatus.APPROVED.value, _("Aprobar")),
            (UpdateStatus.RETURNED.value, _("Devolver")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Nota para quien lo envió"),
        required=False,
        max_length=2000,
        help_text=_("Obligatoria al devolver."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Situación"), choices=ActionStatus.choices)
    dropped_reason = forms.CharField(
        label=_("Motivo del descarte"),
        required=False,
        max_length=1000,
        help_text=_("Obligatorio si se descarta."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UpdateEditForm(forms.Form):
    """Its author changes a draft or a returned update: the same figures."""

    value = UpdateForm.base_fields["value"]
    narrative = UpdateForm.base_fields["narrative"]
    evidence = forms.FileField(
        label=_("Añadir evidencia (foto o PDF)"),
        required=False,
        help_text=UpdateForm.base_fields["evidence"].help_text,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
