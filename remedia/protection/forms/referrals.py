"""Forms of referrals: the referral itself, the filters of the service picker,
and the answers (each carries the `version` its author saw)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from remedia.core.geo import STATE_CHOICES
from remedia.protection.models import Service
from remedia.protection.vocabulary import (
    ReferralReason,
    ReferralStatus,
    ServedSexes,
    ServiceType,
)

SHARE_CHOICES = [
    ("name", gettext_lazy("Su nombre de pila o cómo prefiere que le llamen")),
    ("age", gettext_lazy("Su edad")),
    ("gender", gettext_lazy("Su género")),
    ("contact", gettext_lazy("Cómo contactarle de forma segura")),
]


class PickerForm(forms.Form):
    """The directory's filters, set from the person's file at first."""

    q = forms.CharField(label=gettext_lazy("Buscar"), required=False, max_length=100)
    service_type = forms.ChoiceField(
        label=gettext_lazy("Qué necesita"),
        choices=[("", gettext_lazy("Cualquier servicio")), *ServiceType.choices],
        required=False,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        choices=[("", gettext_lazy("Cualquier estado")), *STATE_CHOICES],
        required=False,
    )
    age = forms.IntegerField(
        label=gettext_lazy("Edad"), required=False, min_value=0, max_value=110
    )
    sex = forms.ChoiceField(
        label=gettext_lazy("Atiende a"),
        choices=[("", gettext_lazy("Cualquiera"))]
        + [c for c in ServedSexes.choices if c[0] != ServedSexes.ALL],
        required=False,
    )


class ReferralForm(forms.Form):
    service_id = forms.CharField(widget=forms.HiddenInput)
    service_type = forms.ChoiceField(label=gettext_lazy("Qué se pide al servicio"))
    reason = forms.ChoiceField(
        label=gettext_lazy("Motivo"),
        choices=ReferralReason.choices,
        initial=ReferralReason.ADDITIONAL_SERVICES,
    )
    share = forms.MultipleChoiceField(
        label=gettext_lazy("Qué datos del expediente compartir"),
        choices=SHARE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Solo lo que marque, y lo que escriba abajo. El servicio nunca ve el "
            "expediente."
        ),
    )
    needs = forms.CharField(
        label=gettext_lazy("Qué necesita la persona de este servicio"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=gettext_lazy("Nota para el servicio (opcional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Motivo para canalizar sin el consentimiento debido"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Solo la supervisión de protección. Queda registrado y se muestra en "
            "la canalización."
        ),
    )

    def __init__(
        self, *args: Any, service: Service, can_override: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_id"].initial = str(service.pk)
        cast(forms.ChoiceField, self.fields["service_type"]).choices = [
            (code, ServiceType(code).label)
            for code in service.service_types
            if code in ServiceType.values
        ]
        if not can_override:
            del self.fields["override_reason"]


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=gettext_lazy("Nota (opcional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=gettext_lazy("Motivo del rechazo"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CounterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.ChoiceField(
        label=gettext_lazy("Motivo"),
        choices=ReferralReason.choices,
        initial=ReferralReason.ADDITIONAL_SERVICES,
    )
    note = forms.CharField(
        label=gettext_lazy("Qué hizo su institución y qué recomienda"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferralFilterForm(forms.Form):
    """The referral list's filters, from the query string: a value that is
    not on the list is said, never guessed."""

    box = forms.ChoiceField(
        label=gettext_lazy("Bandeja"),
        choices=[
            ("incoming", gettext_lazy("Recibidas")),
            ("sent", gettext_lazy("Enviadas")),
        ],
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Elija una bandeja de la lista.")
        },
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        choices=[("", gettext_lazy("Todos los estados")), *ReferralStatus.choices],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Elija un estado de la lista.")},
    )
    overdue = forms.ChoiceField(
        label=gettext_lazy("Solo vencidas"),
        choices=[("", ""), ("1", "1")],
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("«Solo vencidas» se marca o se deja vacío.")
        },
    )

    def box_chosen(self) -> str:
        data = self.cleaned_data if self.is_valid() else {}
        return str(data.get("box") or "incoming")
