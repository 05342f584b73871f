"""A refused form's values kept for the page the action redirects to
(`core.placed.keep_values`): only the form's own fields, read once."""

from __future__ import annotations

from django import forms
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from remedia.core.placed import KEPT_VALUES, keep_values, kept_values


class Stage(forms.Form):
    on = forms.DateField()
    reasons = forms.CharField(required=False)
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")])


def _posted(data: dict) -> object:
    request = RequestFactory().post("/x/", data)
    request.session = SessionStore()
    return request


def test_only_the_forms_own_fields_are_kept_and_read_once(db):
    # Given a refused post holding the stage's fields, another stage's and a token
    request = _posted(
        {
            "ilc-on": "2024-01-05",
            "ilc-reasons": "Fuera de plazo «sí»",
            "ilc-several": ["a", "b"],
            "remedies-on": "2024-02-01",
            "csrfmiddlewaretoken": "t" * 64,
        }
    )

    # When the values are kept for the stage's section
    keep_values(request, "advance-ilc", Stage(request.POST, prefix="ilc"))

    # Then the stage's own fields are kept, lists whole, nothing else
    assert request.session[KEPT_VALUES] == {
        "advance-ilc": {
            "ilc-on": ["2024-01-05"],
            "ilc-reasons": ["Fuera de plazo «sí»"],
            "ilc-several": ["a", "b"],
        }
    }
    # And they bind the form again as sent, once
    data = kept_values(request)["advance-ilc"]
    again = Stage(data, prefix="ilc")
    assert again.is_valid(), again.errors
    assert again.cleaned_data["several"] == ["a", "b"]
    assert kept_values(request) == {}
    assert KEPT_VALUES not in request.session


def test_the_page_takes_every_sections_values_at_once(db):
    request = _posted({"one-on": "2024-01-05", "two-on": "2024-03-01"})
    keep_values(request, "one", Stage(request.POST, prefix="one"))
    keep_values(request, "two", Stage(request.POST, prefix="two"))

    kept = kept_values(request)

    assert set(kept) == {"one", "two"}
    assert kept["one"]["one-on"] == "2024-01-05"
    assert kept["two"]["two-on"] == "2024-03-01"
    assert kept_values(request) == {}
