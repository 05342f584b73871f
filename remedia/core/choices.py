"""A choice field's label, read from a table built once per language.

Django's `get_FOO_display` rebuilds the field's whole choices dict on every
call, and hashing each lazily translated label translates it: a list of 50
reports showing their state (32 choices), channel and status cost some 2,000
`gettext` calls and a third of the inbox's time (issue 21's profile). The
mixin below gives every model the same method over a table per field and
language, built on first use; the labels are the same strings, in the
language active at the call, as Django's.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


def _table(field: models.Field[Any, Any]) -> dict[Any, str]:
    # Kept on the field itself: a field lives as long as its model, and the
    # table goes with it (no module-wide map keyed by something reusable).
    tables: dict[str | None, dict[Any, str]] = field.__dict__.setdefault(
        "_remedia_choice_labels", {}
    )
    language = get_language()
    table = tables.get(language)
    if table is None:
        table = {make_hashable(value): str(label) for value, label in field.flatchoices}
        tables[language] = table
    return table


def choice_label(field: models.Field[Any, Any], value: Any) -> Any:
    """The label of `value` among `field`'s choices in the active language;
    a value not among them is returned as it is (Django's behaviour)."""
    return _table(field).get(make_hashable(value), value)


class ChoiceLabels:
    """Mixed into every model (core.models.BaseModel, and the few on
    models.Model directly): `get_FOO_display` through `choice_label`."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        return choice_label(field, getattr(self, field.attname))
