"""The form of a plan action: every field, its status and what it points at."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Sector
from remedia.coordination.models import ActionStatus
from remedia.coordination.selectors.choices import organisation_choices
from remedia.core.forms import blank
from remedia.core.geo import STATE_CHOICES


class DateInput(forms.DateInput):
    input_type = "date"


class ActionForm(forms.Form):
    objective_id = forms.ChoiceField(label=_("Objetivo"))
    title = forms.CharField(label=_("Acción"), max_length=300)
    description = forms.CharField(
        label=_("Descripción"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sector = forms.ChoiceField(
        label=_("Sector que la lleva"), choices=blank(Sector.choices)
    )
    owner_id = forms.ChoiceField(label=_("Organización responsable"))
    partner_ids = forms.MultipleChoiceField(
        label=_("Organizaciones aliadas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    state = forms.ChoiceField(
        label=_("Estado"), required=False, choices=blank(STATE_CHOICES)
    )
    municipality = forms.CharField(label=_("Municipio"), required=False, max_length=120)
    # Text, not date fields: the service says what is wrong with the date.
    starts_on = forms.CharField(
        label=_("Inicio"), max_length=10, widget=DateInput, help_text=_("AAAA-MM-DD.")
    )
    due_on = forms.CharField(
        label=_("Fecha límite"),
        max_length=10,
        widget=DateInput,
        help_text=_("AAAA-MM-DD; no antes del inicio."),
    )
    status = forms.ChoiceField(
        label=_("Situación"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED
    )
    dropped_reason = forms.CharField(
        label=_("Motivo del descarte"),
        required=False,
        max_length=1000,
        help_text=_("Obligatorio si se descarta."),
    )
    course_id = forms.CharField(
        label=_("Curso de remediación vinculado (opcional)"),
        required=False,
        max_length=60,
        help_text=_("Su identificador, como aparece en la dirección de su página."),
    )
    facility_id = forms.CharField(
        label=_("Centro de trabajo vinculado (opcional)"),
        required=False,
        max_length=60,
        help_text=_("Su número FAC-… o su identificador."),
    )
    case_id = forms.CharField(
        label=_("Caso vinculado (opcional)"),
        required=False,
        max_length=60,
        help_text=_(
            "Su identificador. El plan guarda solo eso: el número del caso lo ve "
            "solo quien puede leerlo."
        ),
    )
    pathway_service_id = forms.ChoiceField(
        label=_("Servicio de la ruta de atención vinculado (opcional)"),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        objectives: list[tuple[str, str]],
        services: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisations = organisation_choices()
        for name, choices in (
            ("objective_id", blank(objectives)),
            ("owner_id", blank(organisations)),
            ("partner_ids", organisations),
            ("pathway_service_id", blank(services)),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = choices


class ActionFilterForm(forms.Form):
    """The action list's filters, from the query string."""

    mine = forms.BooleanField(label=_("Solo las de mi organización"), required=False)
    due = forms.ChoiceField(
        label=_("Vencimiento"),
        choices=[
            ("", _("Cualquiera")),
            ("overdue", _("Vencidas")),
            ("soon", _("Vencidas o que vencen en 7 días")),
        ],
        required=False,
        error_messages={"invalid_choice": _("Elija un vencimiento de la lista.")},
    )
