"""The form that records a consent (checked again, fully, by the service)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from remedia.accounts.models import Organisation
from remedia.core.forms import blank
from remedia.protection.vocabulary import ConsentGiver, ConsentScope


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label=gettext_lazy("Para qué da su consentimiento"),
        choices=ConsentScope.choices,
        widget=forms.RadioSelect,
    )
    recipient_id = forms.ChoiceField(
        label=gettext_lazy("Institución en Remedia (solo para compartir)"),
        required=False,
    )
    recipient_name = forms.CharField(
        label=gettext_lazy("O institución fuera de Remedia (solo para compartir)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Escriba el nombre como aparece en el directorio de servicios."
        ),
        widget=forms.TextInput(attrs={"list": "consent-institutions"}),
    )
    given_by = forms.ChoiceField(
        label=gettext_lazy("Quién da el consentimiento"),
        choices=ConsentGiver.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Si la persona es menor de 18 años, lo da su madre, padre o tutor, u "
            "otra persona autorizada."
        ),
    )
    given_on = forms.DateField(
        label=gettext_lazy("Fecha en que lo dio"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, organisations: list[Organisation], **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"given_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["recipient_id"]).choices = blank(
            (str(o.pk), o.name) for o in organisations
        )
