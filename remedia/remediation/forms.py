"""Forms of the remediation pages: courses, measures, evidence, surveys, sanctions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from remedia.core.forms import blank
from remedia.remediation import selectors, services, surveys
from remedia.remediation.catalogue import CATALOGUE
from remedia.remediation.models import (
    CourseOrigin,
    CourseStatus,
    EvidenceStatus,
    Measure,
    MeasureStatus,
    MeasureType,
    PartyRole,
    RespondentKind,
    ResponsibleParty,
    SanctionOutcome,
    SanctionStatus,
    SurveyStatus,
)
from remedia.training.forms import DateInput


class SanctionForm(forms.Form):
    respondent_kind = forms.ChoiceField(
        label=gettext_lazy("Contra"), choices=RespondentKind.choices
    )
    respondent_name = forms.CharField(
        label=gettext_lazy("Nombre de quien responde"), max_length=200
    )
    authority = forms.CharField(
        label=gettext_lazy("Autoridad"),
        max_length=200,
        help_text=gettext_lazy(
            "P. ej. Centro Federal de Conciliación y Registro Laboral."
        ),
    )
    number = forms.CharField(label=gettext_lazy("Número de expediente"), max_length=80)
    opened_on = forms.DateField(
        label=gettext_lazy("Fecha de inicio"), widget=DateInput()
    )
    status = forms.ChoiceField(label=gettext_lazy("Estado"))
    outcome = forms.ChoiceField(
        label=gettext_lazy("Resultado"),
        choices=blank(SanctionOutcome.choices),
        required=False,
    )
    outcome_detail = forms.CharField(
        label=gettext_lazy("Detalle del resultado"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
    )
    closed_on = forms.DateField(
        label=gettext_lazy("Fecha de conclusión"), widget=DateInput(), required=False
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Medida del plan de remediación"), required=False
    )

    def __init__(
        self,
        *args: Any,
        statuses: list[str],
        measures: list[Measure] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, SanctionStatus(s).label) for s in statuses
        ]
        if measures:
            cast(forms.ChoiceField, self.fields["measure"]).choices = blank(
                [(str(m.pk), f"{m.course.title} · {m}") for m in measures]
            )
        else:
            del self.fields["measure"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("measure", None)
        data["outcome"] = data.get("outcome") or ""
        return data


class CourseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        choices=blank(CourseStatus.choices),
        required=False,
    )
    facility = forms.ChoiceField(
        label=gettext_lazy("Centro de trabajo"), required=False
    )
    origin = forms.ChoiceField(
        label=gettext_lazy("Origen"),
        choices=blank(CourseOrigin.choices),
        required=False,
    )
    overdue = forms.BooleanField(
        label=gettext_lazy("Solo con medidas vencidas"), required=False
    )

    def __init__(self, *args: Any, facilities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["facility"])
        field.choices = blank([(str(f.pk), f.name) for f in facilities])

    def filters(self) -> selectors.CourseFilters:
        if not self.is_valid():
            return selectors.CourseFilters()
        data = self.cleaned_data
        return selectors.CourseFilters(
            status=data["status"],
            facility_id=data["facility"] or None,
            origin=data["origin"],
            overdue=True if data["overdue"] else None,
        )


class CourseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Título"), max_length=services.TITLE_MAX)
    origin = forms.ChoiceField(
        label=gettext_lazy("Origen"), choices=blank(CourseOrigin.choices)
    )
    reference = forms.CharField(
        label=gettext_lazy("Referencia"),
        max_length=services.REFERENCE_MAX,
        required=False,
        help_text=gettext_lazy("Número de inspección, del plan de la marca u otra."),
    )
    agreed_on = forms.DateField(
        label=gettext_lazy("Fecha del acuerdo"), widget=DateInput(), required=False
    )
    deadline = forms.DateField(label=gettext_lazy("Fecha límite"), widget=DateInput())
    summary = forms.CharField(
        label=gettext_lazy("Resumen"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("Qué se acordó y por qué; sin datos de quien denunció."),
    )


class CourseCreateForm(CourseForm):
    facility_id = forms.UUIDField(
        label=gettext_lazy("Centro de trabajo"),
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("Busque y elija el centro de trabajo.")
        },
    )
    rrm_case_id = forms.UUIDField(
        label=gettext_lazy("Caso del MLRR (identificador)"), required=False
    )
    case_id = forms.UUIDField(
        label=gettext_lazy("Caso de Remedia (identificador)"), required=False
    )
    company_organisation = forms.ChoiceField(
        label=gettext_lazy("Empresa en Remedia"),
        required=False,
        help_text=gettext_lazy(
            "Sus responsables de cumplimiento podrán subir evidencia."
        ),
    )
    company_name = forms.CharField(
        label=gettext_lazy("Nombre de la empresa"),
        max_length=services.NAME_MAX,
        required=False,
    )
    measure_types = forms.MultipleChoiceField(
        label=gettext_lazy("Medidas del catálogo"),
        choices=[(t, MeasureType(t).label) for t in CATALOGUE if t != "other"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["company_organisation"])
        field.choices = blank([(str(o.pk), o.name) for o in organisations])


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Resultado"),
        choices=[
            (CourseStatus.COMPLETED, CourseStatus.COMPLETED.label),
            (CourseStatus.INCOMPLETE, CourseStatus.INCOMPLETE.label),
        ],
    )
    closed_on = forms.DateField(
        label=gettext_lazy("Fecha de cierre"), widget=DateInput()
    )


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Papel"), choices=PartyRole.choices)
    organisation = forms.ChoiceField(
        label=gettext_lazy("Organización en Remedia"), required=False
    )
    name = forms.CharField(
        label=gettext_lazy("Nombre"),
        max_length=services.NAME_MAX,
        required=False,
        help_text=gettext_lazy("Si la deja vacía, el de la organización."),
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["organisation"])
        field.choices = blank([(str(o.pk), o.name) for o in organisations])


class MeasureAddForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Tipo"), choices=MeasureType.choices)
    description = forms.CharField(
        label=gettext_lazy("Descripción"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("Vacía: la del catálogo."),
    )
    required_evidence = forms.CharField(
        label=gettext_lazy("Evidencia requerida"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Vacía: la del catálogo."),
    )
    responsible_party = forms.ChoiceField(
        label=gettext_lazy("Responsable"),
        choices=blank(ResponsibleParty.choices),
        required=False,
    )
    due_date = forms.DateField(
        label=gettext_lazy("Fecha límite"),
        widget=DateInput(),
        required=False,
        help_text=gettext_lazy("Vacía: la del plan."),
    )


class MeasureEditForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("Descripción"), widget=forms.Textarea(attrs={"rows": 4})
    )
    required_evidence = forms.CharField(
        label=gettext_lazy("Evidencia requerida"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    responsible_party = forms.ChoiceField(
        label=gettext_lazy("Responsable"), choices=ResponsibleParty.choices
    )
    due_date = forms.DateField(label=gettext_lazy("Fecha límite"), widget=DateInput())


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Nuevo estado"))
    reason = forms.CharField(
        label=gettext_lazy("Motivo (si no se cumplió)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, moves: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [(s, MeasureStatus(s).label) for s in moves]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Nota"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.NOTE_MAX,
    )


class EvidenceForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("Qué muestra y dónde"),
        max_length=services.EVIDENCE_DESCRIPTION_MAX,
        required=False,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decisión"),
        choices=[
            (EvidenceStatus.ACCEPTED, gettext_lazy("Aceptar")),
            (EvidenceStatus.REJECTED, gettext_lazy("Rechazar")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Motivo del rechazo"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class SurveyFilterForm(forms.Form):
    """The staff's survey list filters, from the query string."""

    status = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        choices=blank(SurveyStatus.choices),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Elija un estado de la lista.")},
    )
    closing = forms.BooleanField(
        label=gettext_lazy("Solo las que cierran en 7 días"), required=False
    )

    def filters(self) -> surveys.SurveyFilters:
        data = self.cleaned_data
        return surveys.SurveyFilters(
            status=data.get("status") or "", closing_soon=bool(data.get("closing"))
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Código de la encuesta"),
        help_text=gettext_lazy(
            "Las 6 letras y números del cartel, por ejemplo K7M4QX."
        ),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "survey-code-input",
            }
        ),
    )


QUESTION_ROWS = surveys.MAX_QUESTIONS


class SurveyOpenForm(forms.Form):
    """Up to five questions, prefilled from the catalogue; an empty row is dropped."""

    closes_on = forms.DateField(
        label=gettext_lazy("Último día para responder (opcional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, QUESTION_ROWS + 1):
            self.fields[f"q{row}"] = forms.CharField(
                label=gettext_lazy("En español"),
                max_length=surveys.QUESTION_MAX,
                required=False,
            )
            self.fields[f"q{row}_en"] = forms.CharField(
                label=gettext_lazy("En inglés (opcional)"),
                max_length=surveys.QUESTION_MAX,
                required=False,
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [
            (self[f"q{row}"], self[f"q{row}_en"]) for row in range(1, QUESTION_ROWS + 1)
        ]

    def drafts(self) -> tuple[list[surveys.QuestionDraft], list[int]]:
        """The filled rows as drafts, and the row number of each."""
        drafts, rows = [], []
        for row in range(1, QUESTION_ROWS + 1):
            text = self.cleaned_data.get(f"q{row}", "").strip()
            text_en = self.cleaned_data.get(f"q{row}_en", "").strip()
            if text or text_en:
                drafts.append(surveys.QuestionDraft(text=text, text_en=text_en))
                rows.append(row)
        return drafts, rows
