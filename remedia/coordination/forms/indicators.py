"""The forms of an action's indicators and of their periods."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.coordination.forms.actions import DateInput
from remedia.coordination.models import Frequency, IndicatorKind, IndicatorUnit


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("Indicador"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Tipo"),
        choices=IndicatorKind.choices,
        initial=IndicatorKind.QUANTITATIVE,
        help_text=_("Cuantitativo: un número por periodo. Cualitativo: una narración."),
    )
    unit = forms.ChoiceField(
        label=_("Unidad"), choices=IndicatorUnit.choices, initial=IndicatorUnit.NUMBER
    )
    # Text: "N/A" reaches the service, which says a number is needed.
    baseline_value = forms.CharField(
        label=_("Línea base"),
        required=False,
        max_length=30,
        help_text=_("Un número; vacío si el indicador es cualitativo."),
    )
    baseline_year = forms.CharField(
        label=_("Año de la línea base"), required=False, max_length=4
    )
    frequency = forms.ChoiceField(
        label=_("Frecuencia"), choices=Frequency.choices, initial=Frequency.QUARTERLY
    )


class PeriodForm(forms.Form):
    starts_on = forms.CharField(
        label=_("Inicio del periodo"), max_length=10, widget=DateInput
    )
    ends_on = forms.CharField(
        label=_("Fin del periodo"), max_length=10, widget=DateInput
    )
    target = forms.CharField(
        label=_("Meta"),
        required=False,
        max_length=30,
        help_text=_(
            "Un número si el indicador es cuantitativo (obligatoria); vacía si es "
            "cualitativo."
        ),
    )
