"""One way for a form action to refuse bad input: the form's first reason.

Views that act on one object (a case, a petition, a course) validate a small
form and raise ``FormRefused`` when it fails; the view's own error handling
turns it into a message on the page, like any ``ApplicationError``.

And the pieces several filter forms share: ``PeriodFormMixin`` (a period,
"Desde" and "Hasta", said the same way on every list that has one).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from django import forms
from django.core.paginator import Page, Paginator
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from remedia.core.errors import ApplicationError, InvalidInput


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


def errors_onto(form: forms.BaseForm, exc: ApplicationError, **aliases: str) -> None:
    """A service's refusal shown beside the form's fields.

    An error's field is looked up through ``aliases`` (service name → form
    field), then as named, then without an ``_id`` suffix (``course_id`` →
    ``course``); one no field holds, and any other `ApplicationError`, goes
    above the form.
    """
    if not isinstance(exc, InvalidInput):
        form.add_error(None, exc.reasons[0])
        return
    for error in exc.errors:
        name = str(error.get("field", ""))
        name = aliases.get(name, name)
        if name not in form.fields:
            name = name.removesuffix("_id")
        form.add_error(name if name in form.fields else None, str(error["reason"]))


PERIOD_INVALID_DATE = gettext_lazy("Escriba la fecha como AAAA-MM-DD.")
PERIOD_REVERSED = gettext_lazy(
    "El periodo termina antes de empezar: revise «Desde» y «Hasta»."
)


def _period_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": PERIOD_INVALID_DATE},
    )


class PeriodFormMixin(forms.Form):
    """`since` and `until` (both optional, both days included) for a filter
    form: one wording for a date that is not one and for a reversed period,
    which is said beside «Hasta». A form that orders its fields otherwise
    says so in `field_order`."""

    since = _period_field(gettext_lazy("Desde"))
    until = _period_field(gettext_lazy("Hasta"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", forms.ValidationError(PERIOD_REVERSED, code="reversed")
            )
        return data


def filtered_page(
    request: HttpRequest,
    form: forms.BaseForm,
    rows: Callable[[dict[str, Any]], Any],
    *,
    per_page: int,
) -> tuple[Page[Any], int]:
    """A list's page of rows narrowed by a GET filter form, and the status to
    answer: when the form is invalid, no row (its errors are said above the
    list) and 400; never a guess at what an unknown value meant."""
    valid = form.is_valid()
    found = rows(form.cleaned_data) if valid else []
    page = Paginator(found, per_page).get_page(request.GET.get("page"))
    return page, 200 if valid else 400


class ReadyChoices(BaseChoiceIterator):
    """Choices already as (value, label) pairs, for a field set per request.

    A list given to `ChoiceField.choices` is walked by `normalize_choices`,
    two calls and a handful of abstract-class checks per option; a filter of
    hundreds of facilities and people paid that on every page. A choice
    iterator is taken as it is (Django's own lazy choices rely on that), so
    these pairs are walked only when the select is drawn or a value checked.
    Only flat pairs: no groups.
    """

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.pairs = list(pairs)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def blank(choices: Iterable[tuple[Any, Any]]) -> ReadyChoices:
    """The choices after a blank "—" (nothing chosen), ready for a field."""
    return ReadyChoices([("", "—"), *choices])


def _escape(value: Any) -> str:
    """What `conditional_escape` gives, without its cost per call.

    Django's `escape` checks every argument for a lazy string and, given one
    (a choice's label), builds another lazy string around the escaping. A
    select of hundreds of options escapes twice per option, so here a lazy
    label is made a string first and anything else escaped at once; safe
    text (`__html__`) is left as it is, as Django leaves it.
    """
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, Promise):
        value = str(value)  # a str, or a SafeString if it was marked safe
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))  # an id, a number


def _attrs_html(attrs: dict[str, Any]) -> str:
    """What Django's `attrs.html` writes: `True` alone, `False` left out."""
    if not attrs:
        return ""
    return "".join(
        f" {name}" if value is True else f' {name}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


SELECT_TEMPLATE = "django/forms/widgets/select.html"


def select_html(widget: dict[str, Any]) -> SafeString:
    """What Django's select.html and select_option.html write for a select's
    context (`Select`, `SelectMultiple`, `NullBooleanSelect`), written here."""
    parts = [f'<select name="{_escape(widget["name"])}"']
    parts.append(_attrs_html(widget["attrs"]) + ">")
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{_escape(option["value"])}"'
                f"{_attrs_html(option['attrs'])}>"
                f"{_escape(option['label'])}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


class FormRenderer(TemplatesSetting):
    """The project's form renderer (FORM_RENDERER): Django's templates, found
    by the project's engine, except a select's, written in Python.

    Django draws each option of a select through a template include of its
    own: a list's filter form of 66 options cost 2.2 ms and 19,000 Python
    calls that way, 1.3 ms and 8,900 calls this way, and a filter of hundreds
    of facilities far more. The markup is Django's but for the blank lines
    its template leaves: the same elements, attributes and escaped text
    (tests/core/test_select_widget.py compares the two).
    """

    def render(
        self, template_name: str, context: dict[str, Any], request: Any = None
    ) -> str:
        if template_name == SELECT_TEMPLATE:
            return select_html(context["widget"])
        return super().render(template_name, context, request)
