"""`{% load badges %}`: a status as a badge, the same on every page.

A simple tag, not an included template: a list draws one per row, and an
`{% include %}` costs a context and a template lookup each (issue 21).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def status_badge(status: Any, label: Any) -> SafeString:
    """`<span class="badge-status status-<status>">label</span>`; the class
    gives the status its colour in remedia.css."""
    return format_html('<span class="badge-status status-{}">{}</span>', status, label)
