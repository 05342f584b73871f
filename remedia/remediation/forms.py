"""Forms of the remediation pages that are not inline in a view."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from remedia.remediation.models import (
    Measure,
    RespondentKind,
    SanctionOutcome,
    SanctionStatus,
)
from remedia.training.forms import DateInput, blank


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
