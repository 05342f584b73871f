"""`{% row_url %}` gives exactly what `{% url %}` gives (core/templatetags/rows.py)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, path, re_path, reverse, set_script_prefix

from remedia.core.templatetags.rows import row_url_of

# A URLconf of this module's own, for the tests that swap it in.
urlpatterns = [
    re_path(r"^narrow/(?P<pk>[0-9]{4})/$", HttpResponse, name="narrow"),
    path("wide/<int:pk>/", HttpResponse, name="wide"),
]

TEMPLATES = Path(settings.BASE_DIR) / "templates"
ROW_URL = re.compile(r"\{% row_url '([^']+)' ")


def _names_in_templates() -> list[str]:
    return sorted(
        {
            name
            for path in TEMPLATES.rglob("*.html")
            for name in ROW_URL.findall(path.read_text())
        }
    )


def _an_id(name: str) -> uuid.UUID | int:
    """An id the named URL takes: every row link is a UUID or an integer."""
    try:
        reverse(name, args=[uuid.uuid4()])
        return uuid.uuid4()
    except NoReverseMatch:
        return 12345


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


def test_the_lists_use_it():
    names = _names_in_templates()
    assert {"intake:staff_report", "cases:detail", "rrm_staff:detail"} <= set(names)


@pytest.mark.parametrize("name", _names_in_templates())
def test_every_row_link_is_what_reverse_gives(name: str, script_prefix):
    for prefix in ("/", "/remedia/"):
        script_prefix(prefix)
        for _ in range(3):
            object_id = _an_id(name)
            assert row_url_of(name, object_id) == reverse(name, args=[object_id])
        assert row_url_of(name, object_id).startswith(prefix)


def test_other_arguments_go_through_reverse():
    report = uuid.uuid4()
    assert row_url_of("intake:staff_report", str(report)) == reverse(
        "intake:staff_report", args=[report]
    )
    with pytest.raises(NoReverseMatch):
        row_url_of("intake:staff_report", "not-an-id")
    with pytest.raises(NoReverseMatch):
        row_url_of("intake:staff_report", -5)


def test_the_tag_renders_the_same_as_url():
    ids = [uuid.uuid4() for _ in range(5)]
    engine = engines["django"]
    row = engine.from_string(
        "{% load rows %}{% for r in ids %}<a href=\"{% row_url 'cases:detail' r %}\">{% endfor %}"
    )
    url = engine.from_string(
        "{% for r in ids %}<a href=\"{% url 'cases:detail' r %}\">{% endfor %}"
    )
    assert row.render({"ids": ids}) == url.render({"ids": ids})


@override_settings(ROOT_URLCONF=__name__)
def test_a_pattern_narrower_than_the_stand_in_goes_through_reverse():
    # Four digits only: the stand-in id cannot be reversed, a real one can.
    assert (
        row_url_of("narrow", 1234) == reverse("narrow", args=[1234]) == "/narrow/1234/"
    )
    # And a URLconf swapped in is a new resolver, not the cached halves.
    assert row_url_of("wide", 7) == "/wide/7/"
