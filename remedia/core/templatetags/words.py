"""Template filters for `remedia.core.words`: `{% load words %}`."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from remedia.core import words

register = template.Library()

register.filter("date_words", words.date_words)
register.filter("datetime_words", words.datetime_words)
register.filter("ago_words", lambda value: words.ago_words(value))
register.filter("due_words", lambda value: words.due_words(value))
register.filter("person", words.person_name)


@register.filter
def span_to(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """The time from `start` to `end` in words ('3 horas', 'menos de un
    minuto'), never Django's 'timeuntil' with its '0 minutos'."""
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        return ""
    return words.span_words(end - start)


@register.filter
def date_words_time(value: dt.date | dt.datetime | None) -> SafeString | str:
    """The date in words inside `<time datetime="2026-12-06">`, for machines and people alike."""
    if not isinstance(value, dt.date):  # None, or not a date: nothing, as `date` does
        return ""
    day = words._local_date(value)
    return format_html(
        '<time datetime="{}">{}</time>', day.isoformat(), words._day_words(day)
    )


@register.filter
def datetime_words_time(value: dt.datetime | None) -> SafeString | str:
    """The moment in words inside `<time datetime="2026-12-06T14:05:00-06:00">`."""
    if not isinstance(value, dt.datetime):
        return ""
    local = words.local_moment(value)
    return format_html(
        '<time datetime="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        words.datetime_words(local),
    )
