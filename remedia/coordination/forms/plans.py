"""The forms of a year's plan and of its objectives."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.coordination.selectors.choices import group_choices
from remedia.core.forms import blank


class PlanForm(forms.Form):
    # Text, not a number field: the service says what is wrong with "20x6".
    year = forms.CharField(label=_("Año"), max_length=4)
    title = forms.CharField(label=_("Título del plan"), max_length=200)


class ObjectiveForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Grupo que lo lleva"),
        help_text=_("Quien coordina el grupo aprueba los avances de sus acciones."),
    )
    title = forms.CharField(label=_("Objetivo"), max_length=300)
    order = forms.CharField(
        label=_("Orden en el plan"),
        required=False,
        max_length=3,
        initial="0",
        help_text=_("Un número de 0 a 999; los menores van primero."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)  # noqa: S101
        group.choices = blank(group_choices())
