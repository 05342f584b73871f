"""The forms of a work group: its facts, and adding an organisation to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Sector
from remedia.coordination.models import GroupRole
from remedia.coordination.selectors.choices import organisation_choices, person_choices
from remedia.core.forms import blank


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Nombre del grupo"), max_length=200)
    purpose = forms.CharField(
        label=_("Propósito"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectores que participan"),
        required=False,
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_id = forms.ChoiceField(
        label=_("Quién coordina"),
        help_text=_("Aprueba o devuelve los avances de las acciones del grupo."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead_id"]
        assert isinstance(lead, forms.ChoiceField)  # noqa: S101
        lead.choices = blank(person_choices())


class MemberForm(forms.Form):
    organisation_id = forms.ChoiceField(label=_("Organización"))
    user_id = forms.ChoiceField(
        label=_("Persona que la representa (opcional)"),
        required=False,
        help_text=_("Debe trabajar en esa organización."),
    )
    role = forms.ChoiceField(
        label=_("Papel en el grupo"),
        choices=GroupRole.choices,
        initial=GroupRole.MEMBER,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.fields["organisation_id"]
        person = self.fields["user_id"]
        assert isinstance(org, forms.ChoiceField)  # noqa: S101
        assert isinstance(person, forms.ChoiceField)  # noqa: S101
        org.choices = blank(organisation_choices())
        person.choices = blank(person_choices())
