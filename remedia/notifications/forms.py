from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from remedia.notifications import registry
from remedia.notifications.models import NotificationPreference


class PreferencesForm(forms.Form):
    """Which kinds come by email (all are listed in the app) and the emails' language."""

    email_kinds = forms.MultipleChoiceField(
        label=_("Recibir por correo"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Idioma de los correos"),
        required=False,
        choices=[("", _("El de mi cuenta"))]
        + list(NotificationPreference._meta.get_field("language").choices or []),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["email_kinds"])
        field.choices = [(k.value, k.label) for k in registry.kinds()]
