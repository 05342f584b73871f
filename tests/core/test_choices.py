"""A choice field's label from a table per language (core/choices.py).

The labels must be exactly Django's, in the active language; every model of
ours with choices must use the table; and a page of rows must not translate
every choice of a field on every row as Django's `get_FOO_display` does.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import trans_real

from remedia.core.choices import ChoiceLabels, choice_label
from remedia.intake.models import Report


def _choice_fields() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("remedia.")
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_every_model_of_ours_with_choices_uses_the_table():
    missing = sorted(
        f"{model.__module__}.{model.__name__}"
        for model, _field in _choice_fields()
        if not issubclass(model, ChoiceLabels)
    )
    assert missing == []


@pytest.mark.parametrize("language", ["es-mx", "en"])
def test_every_label_is_djangos_in_the_active_language(language):
    fields = _choice_fields()
    assert len(fields) > 20  # the check covers the models, not an empty list
    with translation.override(language):
        for model, field in fields:
            for value, label in field.flatchoices:
                assert choice_label(field, value) == str(label), (model, field.name)
                instance = model(**{field.attname: value})
                display = getattr(instance, f"get_{field.name}_display")()
                assert display == str(label), (model, field.name)


def test_a_value_outside_the_choices_comes_back_as_it_is():
    assert Report(state="XX-ZZZ").get_state_display() == "XX-ZZZ"
    assert Report(state=None).get_state_display() is None


def test_the_language_of_the_call_decides_the_label():
    report = Report(status="received")
    with translation.override("es-mx"):
        spanish = report.get_status_display()
    with translation.override("en"):
        english = report.get_status_display()
    with translation.override("es-mx"):
        again = report.get_status_display()
    assert (spanish, english, again) == ("Recibida", "Received", "Recibida")


def test_a_page_of_labels_translates_each_choice_once(monkeypatch):
    # Django's get_FOO_display hashes every lazy label of the field on every
    # call (32 translations for a state); the table translates each once.
    calls: list[str] = []
    real = trans_real.gettext

    def counted(message: str) -> str:
        calls.append(message)
        return real(message)

    monkeypatch.setattr(trans_real, "gettext", counted)
    reports = [
        Report(state="MX-AGU", channel="web", status="received") for _ in range(50)
    ]
    with translation.override("en"):
        for report in reports:
            report.get_state_display()
            report.get_channel_display()
            report.get_status_display()
        first = len(calls)
        calls.clear()
        for report in reports:
            report.get_state_display()
            report.get_channel_display()
            report.get_status_display()
    assert first <= 60  # at most one table per field: 32 states and a few more
    assert calls == []
