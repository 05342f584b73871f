"""One way for a form action to refuse bad input: the form's first reason.

Views that act on one object (a case, a petition, a course) validate a small
form and raise ``FormRefused`` when it fails; the view's own error handling
turns it into a message on the page, like any ``ApplicationError``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from remedia.core.errors import ApplicationError


class FormRefused(ApplicationError):
    """The form's first reason, after its field's label unless ``labelled`` is
    off (for forms whose reasons already name what is missing)."""

    def __init__(self, form: forms.BaseForm, *, labelled: bool = True) -> None:
        name, errors = next(iter(form.errors.items()))
        label = form.fields[name].label if labelled and name in form.fields else ""
        super().__init__(f"{label}: {errors[0]}" if label else str(errors[0]))


def form_data(form: forms.BaseForm, *, labelled: bool = True) -> dict[str, Any]:
    """The cleaned data of a valid form; ``FormRefused`` otherwise."""
    if not form.is_valid():
        raise FormRefused(form, labelled=labelled)
    return cast(dict[str, Any], form.cleaned_data)
