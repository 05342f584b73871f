"""The calendar of open RRM deadlines: every pending or overdue step of the
public cases, by date, and the same pending steps as an iCalendar feed.

The feed is written by hand (RFC 5545) rather than with a library: it is a
handful of all-day events, and the project carries no iCalendar package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from remedia.rrm.deadlines import StepStatus
from remedia.rrm.labels import status_label, step_label

__all__ = [
    "AgendaEntry",
    "AgendaGroup",
    "agenda_entries",
    "agenda_groups",
    "ics_calendar",
    "ics_escape",
]

_OPEN = (StepStatus.PENDING, StepStatus.OVERDUE)


@dataclass(frozen=True, kw_only=True)
class AgendaEntry:
    case: Any  # an RrmCase: slug, facility_name, pk, get_absolute_url()
    step: str
    due_business: dt.date
    status: StepStatus
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.status == StepStatus.OVERDUE

    @property
    def days_past(self) -> int:
        return max(0, -self.days_left)

    @property
    def step_label(self) -> str:
        return step_label(self.step)

    @property
    def status_label(self) -> str:
        return status_label(str(self.status))


@dataclass(frozen=True, kw_only=True)
class AgendaGroup:
    key: str  # "overdue" or the month as YYYY-MM
    month: dt.date | None  # the first of the month; None for the overdue group
    entries: list[AgendaEntry]


def agenda_entries(*, cases: Iterable[Any], today: dt.date) -> list[AgendaEntry]:
    """Every open step of ``cases`` on ``today``, by business-day due date."""
    entries = [
        AgendaEntry(
            case=case,
            step=step.step,
            due_business=step.due_business,
            status=step.status,
            days_left=(step.due_business - today).days,
        )
        for case in cases
        for step in _public_steps(case, today=today)
        if step.status in _OPEN
    ]
    entries.sort(key=lambda e: (e.due_business, e.case.slug, e.step))
    return entries


def _public_steps(case: Any, *, today: dt.date) -> list[Any]:
    # A concluded case (or one gone to a panel) has no open step to show.
    timeline = getattr(case, "public_timeline", None) or case.timeline
    return list(timeline(today=today))


def agenda_groups(entries: list[AgendaEntry]) -> list[AgendaGroup]:
    """The overdue steps first, in a group of their own; then one group per month."""
    groups: list[AgendaGroup] = []
    overdue = [e for e in entries if e.overdue]
    if overdue:
        groups.append(AgendaGroup(key="overdue", month=None, entries=overdue))
    for entry in entries:
        if entry.overdue:
            continue
        month = entry.due_business.replace(day=1)
        if not groups or groups[-1].month != month:
            groups.append(AgendaGroup(key=f"{month:%Y-%m}", month=month, entries=[]))
        groups[-1].entries.append(entry)
    return groups


def ics_escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline
    escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets folded with CRLF and a space (RFC 5545 3.1),
    never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def ics_calendar(
    *,
    entries: Iterable[AgendaEntry],
    now: dt.datetime,
    url_for: Any,
    host: str,
) -> str:
    """An iCalendar with one all-day VEVENT per pending step.

    ``now`` (aware) stamps the events; ``url_for(case)`` gives a case's
    absolute address; ``host`` makes the UIDs globally unique. Overdue steps
    stay on the page but not in the feed: a calendar shows what lies ahead.
    """
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Remedia//RRM deadlines//ES",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + ics_escape(_("Plazos del MLRR")),
    ]
    for entry in entries:
        if entry.status != StepStatus.PENDING:
            continue
        summary = _("%(step)s: %(facility)s") % {
            "step": entry.step_label,
            "facility": getattr(entry.case, "display_name", entry.case.facility_name),
        }
        url = url_for(entry.case)
        description = _(
            "Vence (día hábil en México) el %(date)s según las reglas del anexo "
            "31-A. %(url)s"
        ) % {"date": entry.due_business.isoformat(), "url": url}
        lines += [
            "BEGIN:VEVENT",
            f"UID:rrm-{entry.case.pk}-{entry.step}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{entry.due_business:%Y%m%d}",
            f"DTEND;VALUE=DATE:{entry.due_business + dt.timedelta(days=1):%Y%m%d}",
            "SUMMARY:" + ics_escape(summary),
            "DESCRIPTION:" + ics_escape(description),
            "URL:" + url,
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
