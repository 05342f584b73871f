"""Template filters for `remedia.core.words`: `{% load words %}`."""

from __future__ import annotations

from django import template

from remedia.core import words

register = template.Library()

register.filter("date_words", words.date_words)
register.filter("datetime_words", words.datetime_words)
register.filter("ago_words", lambda value: words.ago_words(value))
register.filter("due_words", lambda value: words.due_words(value))
register.filter("person", words.person_name)
