"""Shapes of the case pages' forms; the case services check the rules.

A form that fails here changes nothing: the view shows its first reason and
goes back to the page. Choices that depend on the case (who may be assigned,
which documents exist) are filled by the view.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.cases.models import CaseStatus, ClosureReason, Severity
from remedia.core.forms import ReadyChoices
from remedia.intake.categories import Category

STATUS_FILTER_ACTIVE = "active"
TEXT_MAX = 20_000


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _choices_with_blank(choices: Any, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class CaseFilterForm(forms.Form):
    """The case list's filters (GET); unknown values are ignored, never an error."""

    status = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=_choices_with_blank(
            [(STATUS_FILTER_ACTIVE, _("En curso (no resueltos ni cerrados)"))]
            + list(CaseStatus.choices),
            _("Todos"),
        ),
    )
    facility = forms.ChoiceField(label=_("Centro de trabajo"), required=False)
    category = forms.ChoiceField(
        label=_("Categoría"),
        required=False,
        choices=_choices_with_blank(Category.choices, _("Todas")),
    )
    assignee = forms.ChoiceField(label=_("Responsable"), required=False)
    overdue = forms.ChoiceField(
        label=_("Plazos"),
        required=False,
        choices=[
            ("", _("Todos")),
            ("1", _("Vencidos")),
            ("0", _("Al día")),
        ],
    )
    urgent = forms.ChoiceField(
        label=_("Urgencia"),
        required=False,
        choices=[("", _("Todas")), ("1", _("Urgentes")), ("0", _("No urgentes"))],
    )
    tasks = forms.ChoiceField(
        label=_("Tareas"),
        required=False,
        choices=[
            ("", _("Todas")),
            ("overdue", _("Con tareas vencidas")),
            ("mine_overdue", _("Con tareas mías vencidas")),
        ],
    )
    number = forms.CharField(
        label=_("Número"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"class": "number", "inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        facilities: list[tuple[str, str]],
        workers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "facility").choices = ReadyChoices(
            _choices_with_blank(facilities, _("Todos"))
        )
        _choice_field(self, "assignee").choices = ReadyChoices(
            [
                ("", _("Cualquiera")),
                ("me", _("Yo")),
                ("none", _("Sin responsable")),
                *workers,
            ]
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Nuevo estado"),
        choices=CaseStatus.choices,
        error_messages={
            "required": _("Elija el estado."),
            "invalid_choice": _("Estado desconocido."),
        },
    )
    reason = forms.ChoiceField(
        label=_("Motivo del cierre (obligatorio al cerrar)"),
        required=False,
        choices=_choices_with_blank(ClosureReason.choices, _("—")),
        error_messages={"invalid_choice": _("Motivo de cierre desconocido.")},
    )


class AssignForm(forms.Form):
    assignee_id = forms.ChoiceField(
        label=_("Responsable"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Esa persona no gestiona casos en la organización del caso; "
                "elija a alguien con ese rol."
            )
        },
    )

    def __init__(self, *args: Any, workers: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "assignee_id").choices = ReadyChoices(
            [("", _("Sin responsable")), *workers]
        )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Gravedad"),
        choices=Severity.choices,
        error_messages={"invalid_choice": _("Gravedad desconocida.")},
    )


class CategoriesForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("Categorías"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Elija al menos una categoría."),
            "invalid_choice": _("Categoría desconocida."),
        },
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Nota interna"),
        help_text=_("Solo la ve el personal del caso; nunca quien denunció."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        error_messages={"required": _("Escriba la nota.")},
    )


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Tarea"),
        help_text=_("Qué hay que hacer; sin datos que identifiquen a quien denuncia."),
        max_length=200,
        error_messages={
            "required": _("Escriba qué hay que hacer."),
            "max_length": _("Es demasiado largo (máximo 200 caracteres)."),
        },
    )
    owner_id = forms.ChoiceField(
        label=_("Responsable de la tarea"),
        error_messages={
            "required": _("Elija quién hará la tarea."),
            "invalid_choice": _(
                "Esa persona no gestiona casos en la organización del caso; "
                "elija a alguien con ese rol."
            ),
        },
    )
    due_on = forms.DateField(
        label=_("Fecha límite"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Indique la fecha límite."),
            "invalid": _("Escriba una fecha válida."),
        },
    )

    def __init__(self, *args: Any, workers: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "owner_id").choices = ReadyChoices(
            [("", _("Elija")), *workers]
        )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Documento"),
        help_text=_("Fotos, PDF o audio; se quitan sus metadatos y se guarda cifrado."),
        error_messages={
            "required": _("Elija un archivo."),
            "empty": _("El archivo está vacío."),
        },
    )


class ReportersMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Mensaje a todas las personas denunciantes"),
        help_text=_(
            "Cada persona lo recibe por separado, con su recibo; nadie ve quién más "
            "denunció. No escriba nada que pueda identificar a alguien."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        error_messages={"required": _("Escriba el mensaje.")},
    )


class EscalateForm(forms.Form):
    summary = forms.CharField(
        label=_("Resumen de los hechos para la petición"),
        help_text=_(
            "Se comparte con el equipo de peticiones del MLRR: no incluya nombres ni "
            "datos que identifiquen a quienes denunciaron."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX,
        error_messages={"required": _("Resuma los hechos alegados.")},
    )
    document_ids = forms.MultipleChoiceField(
        label=_("Documentos que van como evidencia"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Documento desconocido.")},
    )

    def __init__(self, *args: Any, documents: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "document_ids").choices = documents


class TriageAction:
    OPEN = "open"
    ADD = "add"


class JoinCaseForm(forms.Form):
    """The triage page's "Unir al caso…" pick list (sent with `TriageForm`):
    the viewer's active cases, drawn by the project's select renderer."""

    case_id = forms.ChoiceField(
        required=False, widget=forms.Select(attrs={"id": "join-case"})
    )

    def __init__(self, *args: Any, cases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "case_id").choices = ReadyChoices(
            [("", _("Elija un caso")), *((c.id, c.label) for c in cases)]
        )


class TriageForm(forms.Form):
    """Bulk action of the triage inbox (and of a report page's merge section)."""

    action = forms.ChoiceField(
        choices=[
            (TriageAction.OPEN, TriageAction.OPEN),
            (TriageAction.ADD, TriageAction.ADD),
        ],
        error_messages={
            "required": _("Elija qué hacer con las denuncias."),
            "invalid_choice": _("Elija qué hacer con las denuncias."),
        },
    )
    case_id = forms.UUIDField(
        required=False, error_messages={"invalid": _("Elija un caso de la lista.")}
    )
    # The report page the form was sent from, to go back to on an error.
    back = forms.UUIDField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == TriageAction.ADD and not data.get("case_id"):
            raise forms.ValidationError(_("Elija el caso al que se unen."))
        return data


def first_error(form: forms.Form) -> str:
    """The form's first reason, for a message above the page."""
    for errors in form.errors.values():
        return str(errors[0])
    return str(_("Revise los datos del formulario."))
