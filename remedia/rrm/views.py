"""The public RRM record as pages: every case with its next due step, and each
case's timeline. No login, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from remedia.core.errors import NotFound
from remedia.rrm import selectors
from remedia.rrm.models import RrmCase

STEP_LABELS = {
    "ilc_determination": _("Determinación del ILC"),
    "review_acceptance": _("Aceptación de la revisión"),
    "review": _("Revisión"),
    "remediation_consultation": _("Consulta sobre la reparación"),
}
STATUS_LABELS = {
    "met": _("cumplido"),
    "late": _("tardío"),
    "done_undated": _("hecho, sin fecha"),
    "pending": _("pendiente"),
    "overdue": _("vencido"),
}


@dataclass(frozen=True)
class CaseRow:
    case: RrmCase
    next: selectors.NextStep | None
    step_label: Any
    status_label: Any


@require_GET
def rrm_case_list_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for case in selectors.rrm_case_list_public(filters=selectors.RrmCaseFilters()):
        upcoming = selectors.next_step(case.timeline(today=today), today=today)
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
    steps = [
        {
            "step": step,
            "label": STEP_LABELS.get(step.step, step.step),
            "status_label": STATUS_LABELS.get(str(step.status), str(step.status)),
        }
        for step in case.timeline(today=today)
    ]
    # Only web addresses become links; a source cited by its title stays text.
    sources = [
        {"text": source, "is_link": source.startswith(("https://", "http://"))}
        for source in case.sources
    ]
    return render(
        request,
        "rrm/detail.html",
        {"case": case, "steps": steps, "sources": sources, "today": today},
    )
