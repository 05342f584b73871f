"""The forms of a meeting's pages: they parse shape; the services check rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    MeetingParticipant,
    Objective,
    Outcome,
    WorkGroup,
)
from remedia.core.forms import blank
from remedia.core.geo import STATE_CHOICES


class MeetingForm(forms.Form):
    group = forms.ChoiceField(label=_("Grupo"))
    title = forms.CharField(label=_("Título"), max_length=200)
    held_on = forms.DateField(
        label=_("Fecha"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    starts_at = forms.TimeField(
        label=_("Hora"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    location = forms.CharField(
        label=_("Lugar"),
        required=False,
        max_length=200,
        help_text=_("Dónde o por qué medio."),
    )
    invite_members = forms.BooleanField(
        label=_("Invitar a todas las organizaciones del grupo"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, groups: list[WorkGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(str(g.pk), g.name) for g in groups]


class MeetingEditForm(forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    held_on = forms.DateField(
        label=_("Fecha"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    starts_at = forms.TimeField(
        label=_("Hora"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    location = forms.CharField(label=_("Lugar"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minuta"),
        required=False,
        max_length=20000,
        help_text=_(
            "Lo que se trató y se acordó. Sin nombres ni datos de quienes "
            "denuncian o de víctimas."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ParticipantForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organización"))
    user = forms.ChoiceField(
        label=_("Persona usuaria"),
        required=False,
        help_text=_("Quien la representa, si está en Remedia."),
    )
    name = forms.CharField(
        label=_("Nombre"),
        required=False,
        max_length=200,
        help_text=_("O el nombre de quien la representa, si no está en Remedia."),
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        users: list[tuple[User, Organisation]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        user_field = self.fields["user"]
        assert isinstance(org_field, forms.ChoiceField)  # noqa: S101
        assert isinstance(user_field, forms.ChoiceField)  # noqa: S101
        org_field.choices = blank((str(o.pk), o.name) for o in organisations)
        user_field.choices = blank(
            (str(u.pk), f"{u.get_full_name() or u.username} · {o.name}")
            for u, o in users
        )


class ParticipantRemoveForm(forms.Form):
    participant = forms.UUIDField(widget=forms.HiddenInput)


class AttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label=_("Asistieron"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, participants: list[MeetingParticipant], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101
        field.choices = [(str(p.pk), participant_label(p)) for p in participants]


def participant_label(participant: MeetingParticipant) -> str:
    who = ""
    if participant.user is not None:
        who = participant.user.get_full_name() or participant.user.username
    elif participant.name:
        who = participant.name
    return (
        f"{participant.organisation.name} · {who}"
        if who
        else (participant.organisation.name)
    )


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Punto"), max_length=300)
    notes = forms.CharField(
        label=_("Notas"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.ChoiceField(
        label=_("Resultado"), choices=Outcome.choices, initial=Outcome.INFORMATION
    )
    outcome_text = forms.CharField(
        label=_("Qué se decidió"),
        required=False,
        max_length=4000,
        help_text=_("Obligatorio para una decisión o una tarea, en una frase."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReorderForm(forms.Form):
    """One position per item (`order-<id>`): the agenda follows the numbers."""

    def __init__(self, *args: Any, item_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for position, key in enumerate(item_ids, start=1):
            self.fields[f"order-{key}"] = forms.IntegerField(
                label=_("Posición"), min_value=0, max_value=999, initial=position
            )

    def ordered_ids(self) -> list[str]:
        positions = [
            (value, name.removeprefix("order-"))
            for name, value in self.cleaned_data.items()
        ]
        return [key for _value, key in sorted(positions)]


class ItemActionForm(forms.Form):
    objective = forms.ChoiceField(label=_("Objetivo del plan"))
    title = forms.CharField(label=_("Acción"), max_length=300)
    description = forms.CharField(
        label=_("Descripción"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    owner = forms.ChoiceField(label=_("Organización responsable"))
    state = forms.ChoiceField(label=_("Estado"), required=False)
    municipality = forms.CharField(label=_("Municipio"), required=False, max_length=120)
    starts_on = forms.DateField(
        label=_("Inicio"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_on = forms.DateField(
        label=_("Fecha límite"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        objectives: list[Objective],
        organisations: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        objective = self.fields["objective"]
        owner = self.fields["owner"]
        state = self.fields["state"]
        assert isinstance(objective, forms.ChoiceField)  # noqa: S101
        assert isinstance(owner, forms.ChoiceField)  # noqa: S101
        assert isinstance(state, forms.ChoiceField)  # noqa: S101
        objective.choices = [
            (str(o.pk), f"{o.plan.year} · {o.group.name} · {o.title}")
            for o in objectives
        ]
        owner.choices = blank((str(o.pk), o.name) for o in organisations)
        state.choices = blank(STATE_CHOICES)
