"""`{% load clocks %}`: an SLA clock (`cases.views.ClockView`) as a page shows it.

A simple tag, not an included template: the case list and triage draw one
per row, and an `{% include %}` costs a context and a template each (issue 21).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from remedia.core.words import datetime_words

register = template.Library()


@register.simple_tag
def sla_clock(clock: Any) -> SafeString:
    """The clock's state as a badge (`clock-<state>` colours it in
    remedia.css), then: what a paused clock has left, when a met clock was
    met, or when a running one falls due ('vence en 3 días · 9 de diciembre
    de 2026, 10:00', the moment in a `<time>`)."""
    badge = format_html(
        '<span class="clock clock-{}">{}</span>', clock.state, clock.label
    )
    if clock.paused:
        left = clock.remaining_text
        if not left:
            return badge
        detail = format_html(
            '<span class="help">{}</span>', _("(quedan %(t)s)") % {"t": left}
        )
    elif clock.done_at:
        detail = format_html(
            '<span class="help">{}</span>', datetime_words(clock.done_at)
        )
    elif clock.due_at:
        detail = format_html(
            '<span class="help">{} · <time datetime="{}">{}</time></span>',
            clock.due_text,
            timezone.localtime(clock.due_at).isoformat(),
            datetime_words(clock.due_at),
        )
    else:
        return badge
    return mark_safe(f"{badge} {detail}")  # noqa: S308 (both built by format_html)
