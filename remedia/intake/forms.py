from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core.geo import STATE_CHOICES
from remedia.intake.categories import Category


class ReportForm(forms.Form):
    """The worker's report form: shapes only; the intake service checks the rules."""

    categories = forms.MultipleChoiceField(
        label=_("¿Qué pasó? Marque todo lo que aplique"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Elija al menos un tipo de problema.")},
    )
    state = forms.ChoiceField(
        label=_("Estado donde pasó"),
        choices=[("", _("Elija un estado")), *STATE_CHOICES],
        error_messages={"required": _("Elija el estado donde pasó.")},
    )
    # One field for the workplace: it searches the registry and, when the
    # place is not listed, is kept as the worker wrote it.
    facility_name = forms.CharField(
        label=_("Centro de trabajo"),
        help_text=_(
            "Escriba el nombre de la fábrica o taller como usted lo conoce. Si aparece "
            "en la lista, elíjalo; si no, déjelo escrito así."
        ),
        required=False,
        max_length=300,
    )
    facility_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    occurred_on = forms.DateField(
        label=_("Día en que pasó (opcional)"),
        help_text=_("Si no sabe el día exacto, ponga uno cercano o déjelo vacío."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Escriba una fecha válida.")},
    )
    narrative = forms.CharField(
        label=_("Cuéntenos qué pasó"),
        help_text=_(
            "Qué pasó, dónde, quiénes participaron (puestos, no hace falta dar nombres). "
            "No escriba su nombre si no quiere que se sepa."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
        error_messages={
            "required": _("Escriba lo que pasó, aunque sea con pocas palabras.")
        },
    )

    def clean_occurred_on(self) -> date | None:
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede ser futura."))
        return value


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Número de recibo (16 dígitos)"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Escriba su número de recibo.")},
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Mensaje"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        required=False,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Estado de atención"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from remedia.intake.models import ReportStatus

        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        field.choices = [
            (s.value, s.label) for s in ReportStatus if s != ReportStatus.RECEIVED
        ]
