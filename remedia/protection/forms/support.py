"""Forms of the support plan: an action's type, texts, owner and dates; its status."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.core.forms import blank
from remedia.protection.forms.files import VersionField
from remedia.protection.vocabulary import SupportStatus, SupportType
from remedia.training.forms import DateInput

OBJECTIVE_MAX = 500
ACTION_MAX = 4000


class SupportActionForm(forms.Form):
    support_type = forms.ChoiceField(
        label=_("Tipo de apoyo"),
        choices=SupportType.choices,
        help_text=_("Según HTCDS (educación, salud, jurídico...)."),
    )
    objective = forms.CharField(
        label=_("Objetivo"),
        max_length=OBJECTIVE_MAX,
        widget=forms.TextInput(attrs={"maxlength": str(OBJECTIVE_MAX)}),
        help_text=_("Qué se quiere lograr con la persona. Se guarda cifrado."),
        error_messages={"required": _("Escriba el objetivo.")},
    )
    action = forms.CharField(
        label=_("Acción"),
        required=False,
        max_length=ACTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Qué se hará, con quién. Se guarda cifrado."),
    )
    owner_organisation_id = forms.ChoiceField(label=_("Institución responsable"))
    owner_id = forms.ChoiceField(label=_("Persona responsable"), required=False)
    starts_on = forms.DateField(label=_("Fecha de inicio"), widget=DateInput())
    due_on = forms.DateField(
        label=_("Fecha límite"), required=False, widget=DateInput()
    )
    version = VersionField()

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        people: list[tuple[str, str]],
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ChoiceField, self.fields["owner_organisation_id"]
        ).choices = organisations
        # Another institution's people are checked by the service: any id
        # reaches it, so its reason is the one shown.
        self.fields["owner_id"] = forms.CharField(
            label=_("Persona responsable"),
            required=False,
            widget=forms.Select(choices=blank(people)),
            help_text=_("De la institución responsable; puede quedar vacío."),
        )
        if not edit:
            self.fields.pop("version")

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class SupportStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nuevo estado"), choices=SupportStatus.choices)
    done_on = forms.DateField(
        label=_("Fecha en que se cumplió o descartó"),
        required=False,
        widget=DateInput(),
        help_text=_("Vacío: hoy."),
    )
    version = VersionField()
