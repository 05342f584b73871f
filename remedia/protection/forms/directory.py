"""The form of a service of the directory (checked fully by the service)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from remedia.accounts.models import Organisation
from remedia.core.forms import blank
from remedia.core.geo import STATE_CHOICES
from remedia.protection.models import Service
from remedia.protection.vocabulary import ServedSexes, ServiceType, Timeframe


class ServiceForm(forms.Form):
    institution = forms.CharField(label=gettext_lazy("Institución"), max_length=200)
    name = forms.CharField(label=gettext_lazy("Servicio o programa"), max_length=200)
    organisation_id = forms.ChoiceField(
        label=gettext_lazy("Organización en Remedia"),
        required=False,
        help_text=gettext_lazy(
            "Si la institución trabaja en Remedia, recibe aquí las canalizaciones."
        ),
    )
    service_types = forms.MultipleChoiceField(
        label=gettext_lazy("Qué ofrece"),
        choices=ServiceType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    national = forms.BooleanField(
        label=gettext_lazy("Cobertura nacional"), required=False
    )
    states = forms.MultipleChoiceField(
        label=gettext_lazy("Estados que atiende"),
        choices=STATE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    area_detail = forms.CharField(
        label=gettext_lazy("Zona"), max_length=200, required=False
    )
    min_age = forms.CharField(
        label=gettext_lazy("Edad mínima"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 110}),
    )
    max_age = forms.CharField(
        label=gettext_lazy("Edad máxima"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 110}),
    )
    sexes = forms.ChoiceField(
        label=gettext_lazy("A quién atiende"),
        choices=ServedSexes.choices,
        required=False,
    )
    timeframe = forms.ChoiceField(
        label=gettext_lazy("Plazo de respuesta a una canalización"),
        choices=Timeframe.choices,
        initial=Timeframe.ONE_DAY,
        required=False,
    )
    phone = forms.CharField(
        label=gettext_lazy("Teléfono"), max_length=40, required=False
    )
    email = forms.CharField(
        label=gettext_lazy("Correo"),
        max_length=254,
        required=False,
        widget=forms.EmailInput,
    )
    website = forms.CharField(
        label=gettext_lazy("Sitio web"),
        max_length=200,
        required=False,
        widget=forms.URLInput,
    )
    address = forms.CharField(
        label=gettext_lazy("Dirección"), max_length=300, required=False
    )
    hours = forms.CharField(
        label=gettext_lazy("Horario"), max_length=200, required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("Notas (requisitos, documentos, cómo canalizar)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Vigente (se ofrece al canalizar)"), required=False
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        service: Service | None = None,
        **kwargs: Any,
    ) -> None:
        if service is not None:
            kwargs.setdefault("initial", service_initial(service))
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation_id"]).choices = blank(
            (str(o.pk), o.name) for o in organisations
        )
        if service is None:
            del self.fields["is_active"]
            del self.fields["seen"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("seen", None)
        return data


def service_initial(service: Service) -> dict[str, Any]:
    return {
        "institution": service.institution,
        "name": service.name,
        "organisation_id": str(service.organisation_id or ""),
        "service_types": service.service_types,
        "national": service.national,
        "states": service.states,
        "area_detail": service.area_detail,
        "min_age": "" if service.min_age is None else service.min_age,
        "max_age": "" if service.max_age is None else service.max_age,
        "sexes": service.sexes,
        "timeframe": service.timeframe,
        "phone": service.phone,
        "email": service.email,
        "website": service.website,
        "address": service.address,
        "hours": service.hours,
        "notes": service.notes,
        "is_active": service.is_active,
        "seen": service.updated_at.isoformat(),
    }
