"""The admin speaks the user's language (issue 22.6): every column of our
own models' changelists is named by a translatable string, never by Django's
default made from the field's name ("Organisation", "Created at" in a
Spanish admin)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst


def _our_admins():
    for model, model_admin in admin.site._registry.items():
        if model.__module__.startswith("remedia."):
            yield model, model_admin


def test_every_column_of_our_changelists_is_named_in_the_users_language():
    untranslated = []
    for model, model_admin in _our_admins():
        for name in model_admin.list_display:
            if not isinstance(name, str) or name == "__str__":
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                # A method: its @admin.display description must be translatable.
                attr = getattr(model_admin, name, None) or getattr(model, name, None)
                description = getattr(attr, "short_description", None)
                if description is not None and not isinstance(description, Promise):
                    untranslated.append(f"{model.__name__}.{name}")
                continue
            if not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{model.__name__}.{name}")
    assert untranslated == []


def test_the_membership_list_says_its_columns_in_spanish_and_english():
    from remedia.accounts.models import Membership

    model_admin = admin.site._registry[Membership]
    names = ["user", "organisation", "role", "created"]
    with translation.override("es-mx"):
        spanish = [
            str(capfirst(label_for_field(n, Membership, model_admin))) for n in names
        ]
    with translation.override("en"):
        english = [
            str(capfirst(label_for_field(n, Membership, model_admin))) for n in names
        ]
    assert spanish == ["Persona", "Organización", "Rol", "Creación"]
    assert english == ["Person", "Organisation", "Role", "Created"]
