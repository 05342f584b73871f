"""The dashboard's filters (GET), checked: an unknown value or a reversed
period is a clear message, never an error page."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from remedia.analytics.selectors import Filters
from remedia.core.forms import PeriodFormMixin
from remedia.core.geo import STATE_CHOICES
from remedia.intake.categories import Category

FIELDS = ("since", "until", "organisation", "state", "facility", "category")


class DashboardFilterForm(PeriodFormMixin):
    organisation = forms.ChoiceField(label=_("Organización"), required=False)
    state = forms.ChoiceField(
        label=pgettext_lazy("lugar", "Estado"),
        required=False,
        choices=[("", _("Todos")), *STATE_CHOICES],
    )
    facility = forms.ChoiceField(label=_("Centro de trabajo"), required=False)
    category = forms.ChoiceField(
        label=_("Categoría"),
        required=False,
        choices=[("", _("Todas")), *Category.choices],
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        facilities: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        unknown = _("Ese valor no está entre las opciones: elija uno de la lista.")
        for name in ("organisation", "state", "facility", "category"):
            self.fields[name].error_messages["invalid_choice"] = unknown
        org_field = self.fields["organisation"]
        fac_field = self.fields["facility"]
        assert isinstance(org_field, forms.ChoiceField)  # noqa: S101 (declared above)
        assert isinstance(fac_field, forms.ChoiceField)  # noqa: S101 (declared above)
        org_field.choices = [("", _("Todas las mías")), *organisations]
        fac_field.choices = [("", _("Todos")), *facilities]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            since=data.get("since"),
            until=data.get("until"),
            organisation_id=uuid.UUID(data["organisation"])
            if data.get("organisation")
            else None,
            state=data.get("state") or "",
            facility_id=uuid.UUID(data["facility"]) if data.get("facility") else None,
            category=data.get("category") or "",
        )
