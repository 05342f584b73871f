from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core.forms import PeriodFormMixin, ReadyChoices
from remedia.core.geo import STATE_CHOICES
from remedia.intake.categories import Category
from remedia.intake.models import Channel, ReportStatus
from remedia.intake.selectors import ReportFilters


class ReportForm(forms.Form):
    """The worker's report form: shapes only; the intake service checks the rules."""

    categories = forms.MultipleChoiceField(
        label=_("¿Qué pasó? Marque todo lo que aplique"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Elija al menos un tipo de problema.")},
    )
    state = forms.ChoiceField(
        label=_("Estado donde pasó"),
        choices=[("", _("Elija un estado")), *STATE_CHOICES],
        error_messages={"required": _("Elija el estado donde pasó.")},
    )
    # One field for the workplace: it searches the registry and, when the
    # place is not listed, is kept as the worker wrote it.
    facility_name = forms.CharField(
        label=_("Centro de trabajo"),
        help_text=_(
            "Escriba el nombre de la fábrica o taller como usted lo conoce. Si aparece "
            "en la lista, elíjalo; si no, déjelo escrito así."
        ),
        required=False,
        max_length=300,
    )
    facility_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    occurred_on = forms.DateField(
        label=_("Día en que pasó (opcional)"),
        help_text=_("Si no sabe el día exacto, ponga uno cercano o déjelo vacío."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Escriba una fecha válida.")},
    )
    narrative = forms.CharField(
        label=_("Cuéntenos qué pasó"),
        help_text=_(
            "Qué pasó, dónde, quiénes participaron (puestos, no hace falta dar nombres). "
            "No escriba su nombre si no quiere que se sepa."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
        error_messages={
            "required": _("Escriba lo que pasó, aunque sea con pocas palabras.")
        },
    )

    def clean_occurred_on(self) -> date | None:
        value = self.cleaned_data.get("occurred_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("La fecha no puede ser futura."))
        return value


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Número de recibo (16 dígitos)"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Escriba su número de recibo.")},
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Mensaje"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        required=False,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Estado de atención"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from remedia.intake.models import ReportStatus

        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        field.choices = [
            (s.value, s.label) for s in ReportStatus if s != ReportStatus.RECEIVED
        ]


class InboxFilterForm(PeriodFormMixin):
    """The inbox's filters (GET), shared by its page, its exports and the
    dashboard's links to it. A value it does not know is an error shown on the
    page, and the list is then not narrowed by it."""

    status = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        error_messages={"invalid_choice": _("Elija un estado de la lista.")},
    )
    urgent = forms.ChoiceField(
        label=_("Urgencia"),
        required=False,
        choices=[("", _("Todas")), ("1", _("Urgentes")), ("0", _("No urgentes"))],
        error_messages={"invalid_choice": _("Elija una urgencia de la lista.")},
    )
    category = forms.ChoiceField(
        label=_("Categoría"),
        required=False,
        error_messages={"invalid_choice": _("Elija una categoría de la lista.")},
    )
    # "Entidad", as in the exports: beside the status, "Estado" would be ambiguous.
    state = forms.ChoiceField(
        label=_("Entidad"),
        required=False,
        error_messages={
            "invalid_choice": _("Elija un estado de la República de la lista.")
        },
    )
    channel = forms.ChoiceField(
        label=_("Canal"),
        required=False,
        error_messages={"invalid_choice": _("Elija un canal de la lista.")},
    )
    facility = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("El centro de trabajo no es válido.")},
    )

    NAMES = (
        "status",
        "urgent",
        "category",
        "state",
        "channel",
        "since",
        "until",
        "facility",
    )
    field_order = NAMES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("Todos"))]
        for name, choices in (
            ("status", every + list(ReportStatus.choices)),
            ("category", [("", _("Todas")), *Category.choices]),
            ("state", every + list(STATE_CHOICES)),
            ("channel", every + list(Channel.choices)),
        ):
            cast(forms.ChoiceField, self.fields[name]).choices = ReadyChoices(choices)

    def filters(self) -> ReportFilters:
        """The selector's filters from the valid values (none if invalid)."""
        if not self.is_valid():
            return ReportFilters()
        data = self.cleaned_data
        return ReportFilters(
            status=data["status"] or None,
            urgent={"1": True, "0": False}.get(data["urgent"]),
            category=data["category"] or None,
            state=data["state"] or None,
            channel=data["channel"] or None,
            facility_id=data["facility"],
            received_from=data["since"],
            received_to=data["until"],
        )

    def active(self) -> list[tuple[str, str]]:
        """The filters set, as (name, value) pairs to carry to an export."""
        if not self.is_valid():
            return []
        return [(name, self.data[name]) for name in self.NAMES if self.data.get(name)]
