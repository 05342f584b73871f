"""One period, said one way: the inbox, the dashboard and the audit log take
"Desde" and "Hasta" from `core.forms.PeriodFormMixin`, and refuse a date that
is not one and a reversed period with the same words, beside «Hasta»."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.utils import translation

from remedia.accounts.audit_log import AuditFilterForm
from remedia.analytics.forms import DashboardFilterForm
from remedia.intake.forms import InboxFilterForm

FORMS: dict[str, Callable[[dict[str, str]], forms.Form]] = {
    "inbox": lambda data: InboxFilterForm(data),
    "dashboard": lambda data: DashboardFilterForm(
        data, organisations=[], facilities=[]
    ),
    "audit": lambda data: AuditFilterForm(data, actions=[]),
}

WORDS = {
    "es-mx": (
        "Escriba la fecha como AAAA-MM-DD.",
        "El periodo termina antes de empezar: revise «Desde» y «Hasta».",
    ),
    "en": (
        "Write the date as YYYY-MM-DD.",
        "The period ends before it starts: check “From” and “To”.",
    ),
}


def _errors(form: forms.Form) -> dict[str, Any]:
    assert not form.is_valid()
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_three_filter_forms_refuse_a_bad_period_with_the_same_words(
    language: str,
) -> None:
    invalid, reversed_ = WORDS[language]
    with translation.override(language):
        for name, make in FORMS.items():
            # A date that is not one, in either field
            assert _errors(make({"since": "2026-02-30"})) == {"since": [invalid]}, name
            assert _errors(make({"until": "ayer"})) == {"until": [invalid]}, name
            # A period that ends before it starts: said beside «Hasta»
            reversed_period = {"since": "2026-05-02", "until": "2026-05-01"}
            assert _errors(make(reversed_period)) == {"until": [reversed_]}, name
            # One day is a period
            one_day = make({"since": "2026-05-01", "until": "2026-05-01"})
            assert one_day.is_valid(), (name, one_day.errors)
            assert [f.label for f in (one_day["since"], one_day["until"])] == [
                translation.gettext("Desde"),
                translation.gettext("Hasta"),
            ], name
