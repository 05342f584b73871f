"""Forms of the rrm pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remedia.core.forms import blank
from remedia.core.geo import STATE_CHOICES
from remedia.rrm import services
from remedia.rrm.models import RrmCase, RrmEnding, RrmStage


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PetitionForm(forms.Form):
    facility_name = forms.CharField(
        label=gettext_lazy("Centro de trabajo"), max_length=255
    )
    company = forms.CharField(
        label=gettext_lazy("Empresa"), max_length=255, required=False
    )
    state_code = forms.ChoiceField(
        label=gettext_lazy("Estado"),
        choices=blank(STATE_CHOICES),
        required=False,
    )
    sector = forms.CharField(
        label=gettext_lazy("Sector"), max_length=200, required=False
    )
    self_initiated = forms.BooleanField(
        label=gettext_lazy("Iniciado por EE. UU. (sin petición)"), required=False
    )
    petitioners = forms.CharField(
        label=gettext_lazy("Peticionarios"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("Los peticionarios piden confidencialidad"), required=False
    )
    laws_concerned = forms.CharField(
        label=gettext_lazy("Leyes en cuestión"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    facts_alleged = forms.CharField(
        label=gettext_lazy("Hechos alegados"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    petition_received_on = forms.DateField(
        label=gettext_lazy("Petición recibida"), widget=DateInput(), required=False
    )


_YES_NO = [("", "—"), ("yes", gettext_lazy("Sí")), ("no", gettext_lazy("No"))]


class AdvanceForm(forms.Form):
    """Moving a case to one stage: its day and only the details that stage takes.

    The case page shows one of these per stage the procedure allows next
    (prefixed by the stage), so nobody fills a field the stage ignores.
    """

    to_stage = forms.CharField(widget=forms.HiddenInput())
    on = forms.DateField(label=gettext_lazy("Fecha del paso"), widget=DateInput())
    affirmative = forms.ChoiceField(
        label=gettext_lazy("Determinación afirmativa (ILC)"),
        choices=_YES_NO,
        required=False,
    )
    reasons = forms.CharField(
        label=gettext_lazy("Razones"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    liquidation_suspended = forms.BooleanField(
        label=gettext_lazy("Liquidación suspendida"), required=False
    )
    liquidation_suspended_on = forms.DateField(
        label=gettext_lazy("Suspensión de la liquidación"),
        widget=DateInput(),
        required=False,
    )
    denial_found = forms.ChoiceField(
        label=gettext_lazy("Se halló negación de derechos"),
        choices=_YES_NO,
        required=False,
    )
    remediation_deadline = forms.DateField(
        label=gettext_lazy("Plazo del curso de reparación"),
        widget=DateInput(),
        required=False,
    )
    ending = forms.ChoiceField(label=gettext_lazy("Desenlace"), required=False)

    def __init__(self, data: Any = None, *, case: RrmCase, stage: str) -> None:
        super().__init__(data, prefix=stage, initial={"to_stage": stage})
        self.stage = stage
        # The result of the last try at this stage, shown inside its form.
        self.placed: list[Any] = []
        self.stage_label = RrmStage(stage).label
        wanted = services.STAGE_DETAILS.get(stage, {})
        for name in list(self.fields):
            if name not in ("to_stage", "on") and name not in wanted:
                del self.fields[name]
        if "ending" in self.fields:
            field = cast(forms.ChoiceField, self.fields["ending"])
            field.choices = blank(
                (e, RrmEnding(e).label) for e in case.allowed_endings()
            )

    def clean_to_stage(self) -> str:
        if self.cleaned_data["to_stage"] != self.stage:
            raise forms.ValidationError(_("Etapa no válida."))
        return self.stage

    def details(self) -> dict[str, Any]:
        """The chosen stage's details, as the service expects them."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name in ("to_stage", "on"):
                continue
            if name in ("affirmative", "denial_found"):
                if value:
                    out[name] = value == "yes"
            elif name == "liquidation_suspended":
                out[name] = bool(value)
            elif value not in (None, ""):
                out[name] = value
        return out


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Nota"), widget=forms.Textarea(attrs={"rows": 3})
    )
