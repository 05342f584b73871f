"""The public RRM record as pages: every case with its next due step, each
case's timeline, the calendar of open deadlines and the record's figures. No
login, no JavaScript: the pictures are SVG drawn here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from remedia.core.errors import NotFound
from remedia.rrm import agenda, drawing, figures, selectors
from remedia.rrm.labels import STATUS_LABELS, STEP_LABELS
from remedia.rrm.models import RrmCase

__all__ = [
    "STATUS_LABELS",
    "STEP_LABELS",
    "rrm_agenda_ics_view",
    "rrm_agenda_view",
    "rrm_case_detail_view",
    "rrm_case_list_view",
    "rrm_figures_view",
]


@dataclass(frozen=True)
class CaseRow:
    case: RrmCase
    next: selectors.NextStep | None
    step_label: Any
    status_label: Any


def _public_cases() -> list[RrmCase]:
    return list(selectors.rrm_case_list_public(filters=selectors.RrmCaseFilters()))


@require_GET
def rrm_case_list_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for case in _public_cases():
        upcoming = selectors.next_step(case.public_timeline(today=today), today=today)
        rows.append(
            CaseRow(
                case=case,
                next=upcoming,
                step_label=STEP_LABELS.get(upcoming.step, "") if upcoming else "",
                status_label=(
                    STATUS_LABELS.get(str(upcoming.status), "") if upcoming else ""
                ),
            )
        )
    # Overdue first, the most overdue at the top; then what falls due soonest;
    # then the cases with nothing open, in the record's order (newest first).
    rows.sort(key=lambda r: (0, r.next.days_left) if r.next else (1, 0))
    return render(request, "rrm/list.html", {"rows": rows, "today": today})


@require_GET
def rrm_case_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    try:
        case = selectors.rrm_case_get_public(key=slug)
    except NotFound:
        raise Http404 from None
    timeline = case.public_timeline(today=today)
    steps = [
        {
            "step": step,
            "label": STEP_LABELS.get(step.step, step.step),
            "status_label": STATUS_LABELS.get(str(step.status), str(step.status)),
        }
        for step in timeline
    ]
    chart = drawing.timeline_svg(
        steps=timeline,
        today=today,
        remediation_deadline=case.remediation_deadline,
        title=_("Plazos de %(facility)s en el tiempo")
        % {"facility": case.display_name},
    )
    # Only web addresses become links; a source cited by its title stays text.
    sources = [
        {"text": source, "is_link": source.startswith(("https://", "http://"))}
        for source in case.sources
    ]
    return render(
        request,
        "rrm/detail.html",
        {
            "case": case,
            "steps": steps,
            "chart": chart,
            "sources": sources,
            "today": today,
        },
    )


@require_GET
def rrm_agenda_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    entries = agenda.agenda_entries(cases=_public_cases(), today=today)
    return render(
        request,
        "rrm/agenda.html",
        {
            "groups": agenda.agenda_groups(entries),
            "count": len(entries),
            "today": today,
        },
    )


@require_GET
def rrm_agenda_ics_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    entries = agenda.agenda_entries(cases=_public_cases(), today=today)
    body = agenda.ics_calendar(
        entries=entries,
        now=timezone.now(),
        url_for=lambda case: request.build_absolute_uri(case.get_absolute_url()),
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="plazos-mlrr.ics"'
    return response


@require_GET
def rrm_figures_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = _public_cases()
    durations = figures.durations_compute(cases=cases)
    shares = figures.status_shares_compute(cases=cases, today=today)
    total_steps = sum(share.count for share in shares)
    return render(
        request,
        "rrm/figures.html",
        {
            "case_count": len(cases),
            "durations": durations,
            "durations_chart": drawing.durations_svg(
                rows=figures.chart_rows(durations),
                title=_("Duración de cada etapa en días, caso por caso"),
            ),
            "shares": [
                {"share": share, "label": STATUS_LABELS[str(share.status)]}
                for share in shares
            ],
            "total_steps": total_steps,
            "status_chart": drawing.status_bar_svg(
                parts=[(str(share.status), share.count) for share in shares],
                title=_("Pasos de todos los casos según su situación"),
            ),
            "today": today,
        },
    )
