"""Forms of the victim file's pages: opening a file, and each section's edit.

Every form that overwrites something carries the `version` the page showed
(a hidden field); the service refuses it when someone changed the file since.
Choices that depend on the file (workers, reports) are filled by the view.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from remedia.core.forms import ReadyChoices, blank
from remedia.core.geo import STATE_CHOICES, country_choices
from remedia.protection.identity import IDENTITY_FIELDS, MAX_AGE, MIN_AGE
from remedia.protection.selectors.files import STATUS_OPEN
from remedia.protection.vocabulary import (
    ISIC_SECTIONS,
    ControlMethod,
    DecisionMaker,
    ExploitationType,
    FileClosureReason,
    FileStatus,
    Gender,
    Recruitment,
    RiskLevel,
    TraffickingStatus,
)
from remedia.training.forms import DateInput

_LONG = {"story", "contact"}


def _choices(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _countries() -> ReadyChoices:
    return blank(country_choices(get_language() or "es"))


class VersionField(forms.CharField):
    """The version the page showed (hidden). Never refused here: the service
    says what is wrong with it, above the form, where a person sees it."""

    widget = forms.HiddenInput

    def __init__(self) -> None:
        super().__init__(required=False)


class IdentityForm(forms.Form):
    """Who the person is: sealed to the file's key, never readable by the server."""

    given_names = forms.CharField(required=False)
    family_names = forms.CharField(required=False)
    alias = forms.CharField(required=False)
    date_of_birth = forms.DateField(required=False, widget=DateInput())
    place_of_origin = forms.CharField(required=False)
    languages = forms.CharField(required=False)
    contact = forms.CharField(required=False)
    caregiver = forms.CharField(required=False)
    story = forms.CharField(required=False)
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, limit) in IDENTITY_FIELDS.items():
            field = self.fields[name]
            field.label = label
            if isinstance(field, forms.CharField):
                field.max_length = limit
                field.widget = (
                    forms.Textarea(attrs={"rows": 6 if name == "story" else 2})
                    if name in _LONG
                    else forms.TextInput()
                )
                field.widget.attrs["maxlength"] = str(limit)
        self.fields["alias"].help_text = _(
            "Basta el nombre o cómo prefiere que le llamen."
        )
        self.fields["story"].help_text = _(
            "Cifrado: solo lo leen las personas asignadas y la supervisión."
        )

    def identity(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: (
                data[name].isoformat()
                if name == "date_of_birth" and data.get(name)
                else (data.get(name) or "")
            )
            for name in IDENTITY_FIELDS
        }


class FileOpenForm(IdentityForm):
    """Open a file: the identity, when the case was identified, the first codes."""

    identified_on = forms.DateField(
        label=_("Fecha de identificación"),
        widget=DateInput(),
        help_text=_("Cuándo se identificó el caso (no puede ser futura)."),
    )
    age_at_identification = forms.CharField(
        label=_("Edad al identificarse"),
        required=False,
        help_text=_("Años cumplidos; vacío si no se sabe."),
        widget=forms.NumberInput(attrs={"min": MIN_AGE, "max": MAX_AGE}),
    )
    gender = forms.ChoiceField(label=_("Género"), choices=Gender.choices)
    citizenship = forms.ChoiceField(label=_("Nacionalidad"), required=False)
    exploitation_state = forms.ChoiceField(
        label=_("Estado donde ocurrió la explotación"),
        required=False,
        choices=blank(STATE_CHOICES),
    )
    organisation = forms.ChoiceField(label=_("Organización"), required=False)

    def __init__(
        self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("version")
        _choices(self, "citizenship").choices = _countries()
        if len(organisations) > 1:
            _choices(self, "organisation").choices = blank(organisations)
            self.fields["organisation"].required = True
        else:
            self.fields.pop("organisation")

    def coded(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "age_at_identification": data.get("age_at_identification") or None,
            "gender": data["gender"],
            "citizenship": data.get("citizenship") or "",
            "exploitation_state": data.get("exploitation_state") or "",
        }


class FileFieldsForm(forms.Form):
    """The coded fields (HTCDS): what the de-identified export counts."""

    identified_on = forms.DateField(
        label=_("Fecha de identificación"), widget=DateInput()
    )
    gender = forms.ChoiceField(label=_("Género"), choices=Gender.choices)
    age_at_identification = forms.CharField(
        label=_("Edad al identificarse"),
        required=False,
        help_text=_("Años cumplidos; vacío si no se sabe."),
        widget=forms.NumberInput(attrs={"min": MIN_AGE, "max": MAX_AGE}),
    )
    citizenship = forms.ChoiceField(label=_("Nacionalidad"), required=False)
    exploitation_types = forms.MultipleChoiceField(
        label=_("Tipos de explotación"),
        required=False,
        choices=ExploitationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    control_methods = forms.MultipleChoiceField(
        label=_("Medios de control"),
        required=False,
        choices=ControlMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Los 17 de HTCDS 2.0; marque todos los que la persona describe."),
    )
    recruitment = forms.ChoiceField(
        label=_("Cómo fue reclutada"), choices=Recruitment.choices
    )
    recruitment_state = forms.ChoiceField(
        label=_("Estado de reclutamiento"),
        required=False,
        choices=blank(STATE_CHOICES),
    )
    recruitment_country = forms.ChoiceField(
        label=_("País de reclutamiento"), required=False
    )
    exploitation_state = forms.ChoiceField(
        label=_("Estado donde ocurrió la explotación"),
        required=False,
        choices=blank(STATE_CHOICES),
    )
    industry = forms.ChoiceField(
        label=_("Industria (sección CIIU)"),
        choices=list(ISIC_SECTIONS.items()),
        help_text=_("La confección es C, industrias manufactureras."),
    )
    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = _countries()
        _choices(self, "citizenship").choices = countries
        _choices(self, "recruitment_country").choices = countries

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TraffickingForm(forms.Form):
    trafficking_status = forms.ChoiceField(
        label=_("Situación de trata"), choices=TraffickingStatus.choices
    )
    trafficking_decided_by = forms.ChoiceField(
        label=_("Quién lo determinó"),
        required=False,
        choices=blank(DecisionMaker.choices),
        help_text=_("Obligatorio para confirmar o descartar que sea víctima de trata."),
    )
    version = VersionField()


class RiskForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Riesgo"), choices=RiskLevel.choices)
    version = VersionField()


class FileStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nuevo estado"))
    closure_reason = forms.ChoiceField(
        label=_("Motivo de cierre"),
        required=False,
        choices=blank(FileClosureReason.choices),
        help_text=_("Solo al cerrar."),
    )
    version = VersionField()

    def __init__(self, *args: Any, targets: list[str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = FileStatus.values if targets is None else targets
        _choices(self, "status").choices = [
            (value, label) for value, label in FileStatus.choices if value in allowed
        ]


class AssignForm(forms.Form):
    """Who to assign or take off; the service checks who may be (the page
    offers the organisation's protection workers)."""

    user_id = forms.CharField(
        label=_("Persona del equipo de protección"),
        error_messages={"required": _("Elija a una persona.")},
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Nota de seguimiento"),
        help_text=_("Cifrada con la llave del expediente."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        error_messages={"required": _("Escriba la nota.")},
    )


class ReportLinkForm(forms.Form):
    report_id = forms.CharField(
        label=_("Denuncia recibida por la organización"),
        error_messages={"required": _("Elija una denuncia.")},
    )


class CaseLinkForm(forms.Form):
    case = forms.CharField(
        label=_("Número del caso"),
        max_length=40,
        help_text=_("Por ejemplo CASO-2026-0012."),
        error_messages={"required": _("Escriba el número del caso.")},
    )


class FacilityForm(forms.Form):
    facility_id = forms.CharField(required=False)
    version = VersionField()


class FileFilterForm(forms.Form):
    """The list's filters (GET); unknown values are ignored, never an error."""

    status = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=[
            ("", _("Todos")),
            (STATUS_OPEN, _("Abiertos (activos o en seguimiento)")),
            *FileStatus.choices,
        ],
    )
    trafficking_status = forms.ChoiceField(
        label=_("Situación de trata"),
        required=False,
        choices=[("", _("Todas")), *TraffickingStatus.choices],
    )
    risk_level = forms.ChoiceField(
        label=_("Riesgo"),
        required=False,
        choices=[("", _("Todos")), *RiskLevel.choices],
    )
    mine = forms.ChoiceField(
        label=_("Expedientes"),
        required=False,
        choices=[("", _("Todos los que puedo ver")), ("1", _("Solo los míos"))],
    )
    number = forms.CharField(
        label=_("Número"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"class": "number"}),
    )
