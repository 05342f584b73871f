"""The endpoint form: the URL, what it is for, which events it receives."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.accounts.principals import Scope
from remedia.integrations.catalogue import EventType


class EndpointForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organización"), required=True)
    url = forms.CharField(
        label=_("Dirección (URL)"),
        max_length=500,
        help_text=_(
            "HTTPS, en un servidor alcanzable desde internet. Remedia firma cada "
            "aviso según Standard Webhooks."
        ),
    )
    description = forms.CharField(
        label=_("Descripción"), max_length=200, required=False
    )
    event_types = forms.MultipleChoiceField(
        label=_("Eventos"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    enabled = forms.BooleanField(label=_("Activo"), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: list[Any],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing or len(organisations) <= 1:
            del self.fields["organisation"]
        else:
            field = cast(forms.ChoiceField, self.fields["organisation"])
            field.choices = [(str(o.pk), o.name) for o in organisations]
        if not editing:
            del self.fields["enabled"]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            "url": data["url"],
            "description": data.get("description", ""),
            "event_types": list(data.get("event_types") or []),
        }
        if "enabled" in self.fields:
            values["enabled"] = bool(data.get("enabled"))
        return values


class PartnerTokenForm(forms.Form):
    """A new partner token: which system, which scopes, for how long."""

    organisation = forms.ChoiceField(label=_("Organización"), required=True)
    name = forms.CharField(
        label=_("Nombre"),
        max_length=100,
        help_text=_("Qué sistema lo usará, p. ej., la línea de denuncias aliada."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Alcances"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Lo que no concede un alcance responde como si no existiera (404)."
        ),
    )
    expires_in_days = forms.IntegerField(
        label=_("Vigencia (días)"), initial=365, min_value=1, max_value=730
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Solicitudes por minuto"), initial=60, min_value=1, max_value=6000
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(organisations) <= 1:
            del self.fields["organisation"]
        else:
            field = cast(forms.ChoiceField, self.fields["organisation"])
            field.choices = [(str(o.pk), o.name) for o in organisations]
