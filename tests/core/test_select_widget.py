"""The project's form renderer (FORM_RENDERER) draws what Django's draws.

It writes a select in Python and a radio button or checkbox through our
input_option.html, instead of one {% include %} (or three) per option; the
HTML must be the same for every kind of choice widget we use: plain, with a
value chosen, several chosen, grouped, with attributes of its own.
"""

from __future__ import annotations

from contextlib import ExitStack
from unittest import mock

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test.html import parse_html
from django.utils.choices import normalize_choices
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from remedia.core.forms import FormRenderer, ReadyChoices

CHOICES = [
    ("", "—"),
    ("a", "Aguascalientes"),
    ("b", "Baja <California>"),
    (3, "3"),
    ("o'b", gettext_lazy('O\'Brien & "Hermanos"')),
    ("s", mark_safe(gettext_lazy("<b>Sí</b>"))),  # noqa: S308 (a test's own text)
]
GROUPED = [("Norte", [("a", "A"), ("b", "B")]), ("Sur", [("c", "C")]), ("d", "D")]


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED)
    several = forms.MultipleChoiceField(choices=CHOICES[1:])
    marked = forms.ChoiceField(
        choices=CHOICES, widget=forms.Select(attrs={"class": "wide", "data-x": "1"})
    )
    yes_no = forms.NullBooleanField()
    radios = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)
    grouped_radios = forms.ChoiceField(
        choices=GROUPED, widget=forms.RadioSelect(attrs={"class": "inline"})
    )
    boxes = forms.MultipleChoiceField(
        choices=CHOICES[1:], widget=forms.CheckboxSelectMultiple(attrs={"data-y": "2"})
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "plain": "b",
            "grouped": "c",
            "several": ["a", "3"],
            "marked": "3",
            "radios": "b",
            "grouped_radios": "d",
            "boxes": ["a", "3"],
        },
        {"plain": "zzz", "grouped": "", "several": [], "yes_no": "true"},
    ],
)
def test_our_select_draws_what_djangos_draws(data):
    ours = Sample(data, renderer=FormRenderer())
    djangos = Sample(data, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        mine, theirs = str(ours[name]), str(djangos[name])
        assert "<option" in mine or "<input" in mine
        assert parse_html(mine) == parse_html(theirs), name
    # A page that draws each checkbox itself ({{ choice.tag }}) gets Django's too.
    for name in ("radios", "boxes"):
        for mine, theirs in zip(ours[name], djangos[name], strict=True):
            assert parse_html(mine.tag()) == parse_html(theirs.tag()), name


def test_a_select_escapes_as_django_does():
    # A lazy label, quotes and ampersands, chosen: escaped to the same
    # entities as Django's template writes (parse_html would hide a difference).
    data = {"plain": "o'b", "several": ["a", "o'b"], "marked": "3"}
    ours = Sample(data, renderer=FormRenderer())
    djangos = Sample(data, renderer=DjangoTemplates())
    for name in ("plain", "several"):
        mine, theirs = str(ours[name]), str(djangos[name])
        for text in (
            '<option value="o&#x27;b" selected>',
            "O&#x27;Brien &amp; &quot;Hermanos&quot;</option>",
            "Baja &lt;California&gt;</option>",
            '<option value="s"><b>Sí</b></option>',
        ):
            assert text in theirs, (name, text)
            assert text in mine, (name, text)
        assert parse_html(mine) == parse_html(theirs), name


def test_the_project_renders_forms_with_its_own_renderer():
    form = Sample({"plain": "b"})
    assert isinstance(form.renderer, FormRenderer)
    # Drawn in Python, not by a template: the option chosen, the label escaped.
    with mock.patch.object(
        TemplatesSetting, "get_template", side_effect=AssertionError("a template")
    ):
        html = str(form["plain"])
    assert '<option value="b" selected>Baja &lt;California&gt;</option>' in html


# --- Choices set per request (ReadyChoices) -------------------------------------------

PEOPLE = [(f"p{n}", f"Persona {n} <{n}@x>") for n in range(500)]


class PerRequest(forms.Form):
    one = forms.ChoiceField(required=False)
    several = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, ready: bool, **kwargs):
        super().__init__(*args, **kwargs)
        pairs = [("", "—"), *PEOPLE]
        for name in ("one", "several"):
            field = self.fields[name]
            field.choices = ReadyChoices(pairs) if ready else pairs


@pytest.mark.parametrize(
    "data",
    [
        {"one": "p499", "several": ["p0", "p7"]},
        {"one": "nadie", "several": ["p1", "nadie"]},
        {"one": "", "several": []},
    ],
)
def test_ready_choices_draw_and_check_values_as_a_list_does(data):
    ready, plain = PerRequest(data, ready=True), PerRequest(data, ready=False)
    assert ready.is_valid() == plain.is_valid()
    assert ready.errors == plain.errors
    assert ready.cleaned_data == plain.cleaned_data
    for name in ("one", "several"):
        assert str(ready[name]) == str(plain[name]), name
        assert list(ready.fields[name].choices) == list(plain.fields[name].choices)
        assert len(ready.fields[name].choices) == 501


def test_an_unknown_value_is_refused_with_djangos_message():
    form = PerRequest({"one": "p500"}, ready=True)
    assert not form.is_valid()
    assert "p500" in form.errors["one"][0]
    assert form.cleaned_data == {"several": []}


def _normalising_calls(*, ready: bool) -> int:
    # Patched where the field, the widget and the function itself (its
    # recursion) look it up.
    places = ("django.forms.fields", "django.forms.widgets", "django.utils.choices")
    with ExitStack() as stack:
        calls = [
            stack.enter_context(
                mock.patch(f"{place}.normalize_choices", wraps=normalize_choices)
            )
            for place in places
        ]
        PerRequest(ready=ready)
    return sum(c.call_count for c in calls)


def test_ready_choices_are_not_walked_when_set():
    # A list of 500 pairs is normalised pair by pair (two calls each) for the
    # field and again for its widget; ready pairs are taken as they are (a
    # few calls remain: the fields' empty declared choices, copied per form).
    assert _normalising_calls(ready=False) > 2000
    assert _normalising_calls(ready=True) < 10
    assert not ReadyChoices([])
