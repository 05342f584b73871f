"""Forms of the training pages: lists to import, people, sessions, coverage.

The select of what a session counts for (``measure``) is filled from the
registered ``SessionLink`` (a course's training measures, with
``remediation``); without one the field is left out.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from remedia.core.forms import blank
from remedia.training.access import Roster
from remedia.training.models import PersonnelRole, TrainingTopic


def role_choices(roster: Roster) -> list[tuple[str, Any]]:
    allowed = roster.roles if roster.is_facility else PersonnelRole.values
    return [(v, label) for v, label in PersonnelRole.choices if v in allowed]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Archivo CSV o XLSX"),
        help_text=gettext_lazy(
            "Primera fila con los nombres de las columnas: numero (o identifier), "
            "nombre (o name) y papel (o role). El papel se escribe como en la lista "
            "de abajo; los acentos no importan."
        ),
        error_messages={
            "required": gettext_lazy(
                "Elija el archivo CSV o XLSX que quiere importar."
            ),
            "empty": gettext_lazy("El archivo está vacío."),
        },
    )
    replace = forms.BooleanField(
        label=gettext_lazy(
            "La lista está completa: dar de baja a quien no aparezca en el archivo"
        ),
        help_text=gettext_lazy(
            "Nadie se borra: su asistencia queda en el historial, pero deja de "
            "contar en la cobertura."
        ),
        required=False,
    )


class PersonForm(forms.Form):
    identifier = forms.CharField(label=gettext_lazy("Número de persona"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Nombre"), max_length=200)
    role = forms.ChoiceField(label=gettext_lazy("Papel"))
    active = forms.BooleanField(
        label=gettext_lazy("Activo en la lista"), required=False, initial=True
    )

    def __init__(self, *args: Any, roster: Roster, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(roster)


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Lista de asistencia (CSV o XLSX)"),
        help_text=gettext_lazy(
            "Columna numero (o identifier); si trae nombre, se compara con la lista "
            "del personal."
        ),
        error_messages={
            "required": gettext_lazy(
                "Elija el archivo CSV o XLSX que quiere importar."
            ),
            "empty": gettext_lazy("El archivo está vacío."),
        },
    )


class SessionForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Tema"), choices=TrainingTopic.choices)
    title = forms.CharField(
        label=gettext_lazy("Título"), max_length=200, required=False
    )
    held_on = forms.DateField(label=gettext_lazy("Fecha"), widget=DateInput())
    starts_at = forms.TimeField(
        label=gettext_lazy("Hora de inicio"), widget=TimeInput()
    )
    ends_at = forms.TimeField(label=gettext_lazy("Hora de término"), widget=TimeInput())
    during_working_hours = forms.BooleanField(
        label=gettext_lazy("En horario de trabajo (dentro de la jornada, pagada)"),
        required=False,
    )
    trainer = forms.CharField(label=gettext_lazy("Quién capacitó"), max_length=200)
    audience_roles = forms.MultipleChoiceField(
        label=gettext_lazy("Público"),
        help_text=gettext_lazy("Sin marcar ninguno: todo el personal de la lista."),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    location = forms.CharField(
        label=gettext_lazy("Lugar"), max_length=200, required=False
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Medida del plan de remediación"), required=False
    )

    def __init__(
        self,
        *args: Any,
        roster: Roster,
        counts_for: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.MultipleChoiceField, self.fields["audience_roles"]
        ).choices = role_choices(roster)
        if counts_for:
            cast(forms.ChoiceField, self.fields["measure"]).choices = blank(counts_for)
            if not roster.is_facility:
                # An organisation's staff: what it counts for is a work plan.
                self.fields["measure"].label = gettext_lazy("Cuenta para")
        else:
            del self.fields["measure"]


class CoverageForm(forms.Form):
    topic = forms.ChoiceField(label=gettext_lazy("Tema"), choices=TrainingTopic.choices)
    working_hours = forms.BooleanField(
        label=gettext_lazy("Solo sesiones en horario de trabajo"), required=False
    )
