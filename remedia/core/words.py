"""Dates, spans of time and people said in words, in the user's language.

"6 de diciembre de 2026", "vence en 3 días", "Héctor Ruiz": what a person
reads, instead of ISO dates, "6 días,23 horas" and usernames. Month names are
our own (lowercase in Spanish, as the language writes them), not the
locale's, which capitalises them on some systems.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

MONTHS = (
    pgettext_lazy("mes", "enero"),
    pgettext_lazy("mes", "febrero"),
    pgettext_lazy("mes", "marzo"),
    pgettext_lazy("mes", "abril"),
    pgettext_lazy("mes", "mayo"),
    pgettext_lazy("mes", "junio"),
    pgettext_lazy("mes", "julio"),
    pgettext_lazy("mes", "agosto"),
    pgettext_lazy("mes", "septiembre"),
    pgettext_lazy("mes", "octubre"),
    pgettext_lazy("mes", "noviembre"),
    pgettext_lazy("mes", "diciembre"),
)

NOBODY = gettext_lazy("nadie")


@cache
def _month_names(language: str | None) -> tuple[str, ...]:
    """The months in `language` (the active one): translated once, not on
    every date of a 50-row list."""
    return tuple(str(month) for month in MONTHS)


def local_moment(value: dt.datetime) -> dt.datetime:
    """An aware moment in the current time zone; a naive one as it is."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return local_moment(value).date()
    return value


def _day_words(day: dt.date) -> str:
    return _("%(day)s de %(month)s de %(year)s") % {
        "day": day.day,
        "month": _month_names(get_language())[day.month - 1],
        "year": day.year,
    }


def date_words(value: dt.date | dt.datetime | None) -> str:
    """'6 de diciembre de 2026' (English: 'December 6, 2026')."""
    if value is None:
        return ""
    return _day_words(_local_date(value))


def datetime_words(value: dt.datetime | None) -> str:
    """'6 de diciembre de 2026, 14:05' in local time."""
    if value is None:
        return ""
    local = local_moment(value)
    return _("%(date)s, %(time)s") % {
        "date": _day_words(local.date()),
        "time": f"{local.hour:02d}:{local.minute:02d}",
    }


def span_words(delta: dt.timedelta) -> str:
    """A span in its largest sensible unit: '3 días', '5 horas', '12 minutos'."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 60:
        months = days // 30
        return ngettext("%(n)s mes", "%(n)s meses", months) % {"n": months}
    if days >= 2:
        return ngettext("%(n)s día", "%(n)s días", days) % {"n": days}
    if days == 1:
        hours += 24
    if hours:
        return ngettext("%(n)s hora", "%(n)s horas", hours) % {"n": hours}
    if minutes:
        return ngettext("%(n)s minuto", "%(n)s minutos", minutes) % {"n": minutes}
    return _("menos de un minuto")


def ago_words(value: dt.datetime | None, *, now: dt.datetime | None = None) -> str:
    """'hace 3 días', or 'hace un momento' for under a minute."""
    if value is None:
        return ""
    delta = (now or timezone.now()) - value
    if delta < dt.timedelta(minutes=1):
        return _("hace un momento")
    return _("hace %(span)s") % {"span": span_words(delta)}


def due_words(value: dt.date | None, *, today: dt.date | None = None) -> str:
    """A due date relative to today: 'vence hoy', 'vence en 3 días', 'venció hace 2 días'."""
    if value is None:
        return ""
    days = (value - (today or timezone.localdate())).days
    if days == 0:
        return _("vence hoy")
    if days == 1:
        return _("vence mañana")
    if days > 0:
        return ngettext("vence en %(n)s día", "vence en %(n)s días", days) % {"n": days}
    return ngettext("venció hace %(n)s día", "venció hace %(n)s días", -days) % {
        "n": -days
    }


def person_name(user: Any) -> str:
    """A person as people know them: their full name, else their username."""
    if user is None:
        return str(NOBODY)
    full = (user.get_full_name() or "").strip()
    return full or user.username
